import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

// Our OpenAPI document may describe only what Exact documents: every field of every entity we read
// must be one Exact lists for that entity, and every field we POST must be one Exact accepts on
// POST. The vendor's lists are committed beside the document (openapi/vendor/, with their source);
// this test reads nothing outside the repository.

const packageDir = new URL("..", import.meta.url).pathname
const read = (path: string) => JSON.parse(readFileSync(join(packageDir, path), "utf8"))

interface Schema {
  readonly $ref?: string
  readonly properties?: Record<string, Schema>
  readonly oneOf?: ReadonlyArray<Schema>
  readonly items?: Schema
}
interface Operation {
  readonly requestBody?: { readonly content: Record<string, { readonly schema: Schema }> }
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema: Schema }> }>
}
interface Vendor {
  readonly sameFieldsAs: Record<string, string>
  readonly entities: Record<
    string,
    { readonly methods: ReadonlyArray<string>; readonly fields: Record<string, ReadonlyArray<string>> }
  >
}

const document = read("openapi/exact.openapi.json") as {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}
const vendor = read("openapi/vendor/exact-fields.json") as Vendor
const schemas = document.components.schemas
const named = (schema: Schema): string | undefined => schema.$ref?.split("/").pop()

/** The entity schema inside an envelope (`XPage` → results items, `XSingle` → d). */
const entityOf = (envelope: string): string | undefined => {
  const d = schemas[envelope]?.properties?.d
  if (d === undefined) return undefined
  return named(d) ?? named(d.properties?.results?.items ?? {})
}

/** The OData bookkeeping every record carries, not an entity field. */
const odataFields = new Set(["__metadata"])

const entityPaths = Object.keys(document.paths).flatMap((path) => {
  const match = /^\/v1\/(?:\{division\}\/)?(.+?)(?:\(.*\))?$/.exec(path)
  return match?.[1] === undefined ? [] : [{ path, entity: match[1] }]
})

const vendorEntity = (entity: string) => vendor.entities[vendor.sameFieldsAs[entity] ?? entity]

describe("the Exact OpenAPI document against Exact's documented fields", () => {
  it("knows every entity the document describes", () => {
    const unknown = entityPaths.filter(({ entity }) => vendorEntity(entity) === undefined).map((e) => e.entity)
    expect(unknown).toEqual([])
  })

  it("reads only fields Exact documents for the entity", () => {
    const invented: Array<string> = []
    for (const { path, entity } of entityPaths) {
      const fields = vendorEntity(entity)?.fields ?? {}
      for (const [method, operation] of Object.entries(document.paths[path] ?? {})) {
        if (method === "parameters") continue
        for (const response of Object.values(operation.responses)) {
          const envelope = named(response.content?.["application/json"]?.schema ?? {})
          const name = envelope === undefined ? undefined : entityOf(envelope)
          if (name === undefined) continue
          for (const field of Object.keys(schemas[name]?.properties ?? {})) {
            if (!odataFields.has(field) && fields[field] === undefined) invented.push(`${entity} ${name}.${field}`)
          }
        }
      }
    }
    expect(invented).toEqual([])
  })

  it("POSTs only fields Exact accepts on POST, to entities that take a POST", () => {
    const refused: Array<string> = []
    const check = (entity: string, schemaName: string, seen: Set<string>) => {
      if (seen.has(schemaName)) return
      seen.add(schemaName)
      const documented = vendorEntity(entity)
      if (!documented?.methods.includes("post")) refused.push(`${entity} takes no POST`)
      for (const [field, schema] of Object.entries(schemas[schemaName]?.properties ?? {})) {
        const methods = documented?.fields[field]
        if (methods === undefined) refused.push(`${entity} ${schemaName}.${field} is not an Exact field`)
        else if (!methods.includes("post")) refused.push(`${entity} ${schemaName}.${field} is not POST-able`)
        // Lines POSTed inside their header: check them against their own entity.
        const lines = named(schema.items ?? {})
        if (lines !== undefined) {
          const lineEntity = lineEntities[lines]
          if (lineEntity === undefined) refused.push(`${schemaName}.${field}: no entity known for ${lines}`)
          else check(lineEntity, lines, seen)
        }
      }
    }
    for (const { path, entity } of entityPaths) {
      const post = document.paths[path]?.post
      const body = named(post?.requestBody?.content["application/json"]?.schema ?? {})
      if (body !== undefined) check(entity, body, new Set())
    }
    expect(refused).toEqual([])
  })
})

/** The entity of each line schema POSTed inside its header. */
const lineEntities: Record<string, string> = {
  SalesInvoiceLineCreate: "salesinvoice/SalesInvoiceLines",
  SalesEntryLineCreate: "salesentry/SalesEntryLines"
}
