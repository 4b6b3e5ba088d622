import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

// Our OpenAPI document may describe only what ConnectWise documents: every property of every
// schema must be one ConnectWise lists for that schema. The vendor's lists are committed beside
// the document (openapi/vendor/connectwise-fields.json, with their sources); this test reads
// nothing outside the repository.

const packageDir = new URL("..", import.meta.url).pathname
const read = (path: string) => JSON.parse(readFileSync(join(packageDir, path), "utf8"))

const document = read("openapi/connectwise.openapi.json") as {
  components: { schemas: Record<string, { readonly properties?: Record<string, unknown> }> }
}
const vendor = read("openapi/vendor/connectwise-fields.json") as {
  readonly ourNames: Record<string, string>
  readonly schemas: Record<string, { readonly properties: ReadonlyArray<string> }>
}

describe("the ConnectWise OpenAPI document against ConnectWise's documented schemas", () => {
  const ours = Object.entries(document.components.schemas)
  const documented = (name: string) => vendor.schemas[vendor.ourNames[name] ?? name]

  it("has a vendor list for every schema", () => {
    expect(ours.filter(([name]) => documented(name) === undefined).map(([name]) => name)).toEqual([])
  })

  it("invents no property", () => {
    const invented = ours.flatMap(([name, schema]) => {
      const known = new Set(documented(name)?.properties ?? [])
      return Object.keys(schema.properties ?? {})
        .filter((property) => !known.has(property))
        .map((property) => `${name}.${property}`)
    })
    expect(invented).toEqual([])
  })
})
