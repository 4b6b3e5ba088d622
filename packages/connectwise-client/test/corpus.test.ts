/**
 * A corpus of malformed and edge ConnectWise answers: each decodes to what it says, or fails with a
 * typed `ConnectWiseError` whose reason names the record and the field. None throws a raw error,
 * rounds money, or passes a wrong value through.
 */
import { BigDecimal } from "effect"
import { describe, expect, it } from "vitest"
import { ConnectWiseError, createConnectWiseClient } from "../src/index.ts"

const BASE = "https://cw.example/v2026_1/apis/3.0"

interface Answer {
  readonly status?: number
  readonly body: string
  readonly type?: string
  readonly headers?: Record<string, string>
}

/** A client whose every request gets the answers in turn (the last one repeats). */
const clientAnswering = (...answers: Array<Answer>) => {
  let n = 0
  const client = createConnectWiseClient({
    baseUrl: BASE,
    companyId: "acme",
    publicKey: "pub",
    privateKey: "priv",
    clientId: "client",
    maxRetries: 1,
    sleep: async () => undefined,
    fetch: async () => {
      const answer = answers[Math.min(n++, answers.length - 1)]!
      return new Response(answer.body, {
        status: answer.status ?? 200,
        headers: { "content-type": answer.type ?? "application/json", ...answer.headers }
      })
    }
  })
  return { client, requests: () => n }
}

const failure = async (promise: Promise<unknown>): Promise<ConnectWiseError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ConnectWiseError)
  return error as ConnectWiseError
}

const dec = (value: BigDecimal.BigDecimal | null | undefined) =>
  value === undefined ? "undefined" : value === null ? "null" : BigDecimal.format(value)

const company = { id: 5, identifier: "ACME", name: "Acme" }
const addition = { id: 7, product: { id: 3 }, billCustomer: "Billable", quantity: 2, unitPrice: 10 }
const agreement = { id: 9, name: "Managed", type: { id: 1 }, company: { id: 5 } }
const invoice = { id: 11, invoiceNumber: "INV-1", type: "Standard", company: { id: 5 } }

type Case = {
  readonly name: string
  readonly path: "company" | "addition" | "agreement" | "invoice"
  readonly body: string
} & (
  | { readonly decodes: (record: Record<string, unknown>) => void }
  | { readonly field: string | undefined; readonly recordId?: number | string | undefined }
)

const json = (value: unknown) => JSON.stringify(value)
const patched = (base: object, change: Record<string, unknown>) => json({ ...base, ...change })
const without = (base: Record<string, unknown>, key: string) => {
  const { [key]: _, ...rest } = base
  return json(rest)
}

const records: ReadonlyArray<Case> = [
  // Companies
  {
    name: "company without identifier",
    path: "company",
    body: without(company, "identifier"),
    field: "identifier",
    recordId: 5
  },
  {
    name: "company with a null name",
    path: "company",
    body: patched(company, { name: null }),
    field: "name",
    recordId: 5
  },
  { name: "company id as a string", path: "company", body: patched(company, { id: "5" }), field: "id", recordId: "5" },
  { name: "company id with a fraction", path: "company", body: patched(company, { id: 5.5 }), field: "id" },
  {
    name: "company id beyond 15 digits",
    path: "company",
    body: '{"id":12345678901234567,"identifier":"A","name":"A"}',
    field: "id"
  },
  { name: "company without id", path: "company", body: without(company, "id"), field: "id" },
  {
    name: "company with a numeric name",
    path: "company",
    body: patched(company, { name: 42 }),
    field: "name",
    recordId: 5
  },
  {
    name: "company with unknown fields",
    path: "company",
    body: patched(company, { futureField: { a: 1 }, x: [1] }),
    decodes: (r) => expect(r).toMatchObject(company)
  },
  {
    name: "company with a null currency",
    path: "company",
    body: patched(company, { currency: null }),
    decodes: (r) => expect(r.currency).toBeNull()
  },
  {
    name: "company with a currency missing its code",
    path: "company",
    body: patched(company, { currency: { id: 2 } }),
    decodes: (r) => expect(r.currency).toEqual({ id: 2 })
  },
  {
    name: "company with a reference lacking its id",
    path: "company",
    body: patched(company, { billingTerms: { name: "Net 30" } }),
    field: "billingTerms/id",
    recordId: 5
  },
  {
    name: "company with deletedFlag as a string",
    path: "company",
    body: patched(company, { deletedFlag: "false" }),
    field: "deletedFlag",
    recordId: 5
  },
  // Additions: money and quantities
  {
    name: "quantity as a JSON number",
    path: "addition",
    body: patched(addition, { quantity: 3.5 }),
    decodes: (r) => expect(dec(r.quantity as BigDecimal.BigDecimal)).toBe("3.5")
  },
  {
    name: "quantity as a string",
    path: "addition",
    body: patched(addition, { quantity: "3.5" }),
    decodes: (r) => expect(dec(r.quantity as BigDecimal.BigDecimal)).toBe("3.5")
  },
  {
    name: "unit cost with 30 significant digits",
    path: "addition",
    body: '{"id":7,"product":{"id":3},"billCustomer":"Billable","unitCost":123456789012345678901234.123456}',
    decodes: (r) => expect(dec(r.unitCost as BigDecimal.BigDecimal)).toBe("123456789012345678901234.123456")
  },
  {
    name: "unit price with 20 decimals",
    path: "addition",
    body: '{"id":7,"product":{"id":3},"billCustomer":"Billable","unitPrice":0.12345678901234567890}',
    decodes: (r) =>
      expect(
        BigDecimal.equals(r.unitPrice as BigDecimal.BigDecimal, BigDecimal.fromStringUnsafe("0.1234567890123456789"))
      ).toBe(true)
  },
  {
    name: "unit price in exponent form",
    path: "addition",
    body: '{"id":7,"product":{"id":3},"billCustomer":"Billable","unitPrice":1.5e3}',
    decodes: (r) => expect(dec(r.unitPrice as BigDecimal.BigDecimal)).toBe("1500")
  },
  {
    name: "negative quantity",
    path: "addition",
    body: patched(addition, { quantity: -2 }),
    decodes: (r) => expect(dec(r.quantity as BigDecimal.BigDecimal)).toBe("-2")
  },
  {
    name: "null unit price",
    path: "addition",
    body: patched(addition, { unitPrice: null }),
    decodes: (r) => expect(r.unitPrice).toBeNull()
  },
  {
    name: "unit price with a decimal comma",
    path: "addition",
    body: patched(addition, { unitPrice: "12,50" }),
    field: "unitPrice",
    recordId: 7
  },
  {
    name: "unit price as words",
    path: "addition",
    body: patched(addition, { unitPrice: "ten" }),
    field: "unitPrice",
    recordId: 7
  },
  {
    name: "unit price as NaN text",
    path: "addition",
    body: patched(addition, { unitPrice: "NaN" }),
    field: "unitPrice",
    recordId: 7
  },
  {
    name: "unit price as an empty string",
    path: "addition",
    body: patched(addition, { unitPrice: "" }),
    field: "unitPrice",
    recordId: 7
  },
  {
    name: "unit price with a currency sign",
    path: "addition",
    body: patched(addition, { unitPrice: "€10" }),
    field: "unitPrice",
    recordId: 7
  },
  {
    name: "quantity as a boolean",
    path: "addition",
    body: patched(addition, { quantity: true }),
    field: "quantity",
    recordId: 7
  },
  {
    name: "quantity as an object",
    path: "addition",
    body: patched(addition, { quantity: { value: 2 } }),
    field: "quantity",
    recordId: 7
  },
  {
    name: "unit cost as an array",
    path: "addition",
    body: patched(addition, { unitCost: [1] }),
    field: "unitCost",
    recordId: 7
  },
  {
    name: "addition without a product",
    path: "addition",
    body: without(addition, "product"),
    field: "product",
    recordId: 7
  },
  {
    name: "addition whose product id is null",
    path: "addition",
    body: patched(addition, { product: { id: null } }),
    field: "product/id",
    recordId: 7
  },
  {
    name: "addition with an unknown billing value",
    path: "addition",
    body: patched(addition, { billCustomer: "Sometimes" }),
    field: "billCustomer",
    recordId: 7
  },
  {
    name: "addition with an unknown status",
    path: "addition",
    body: patched(addition, { agreementStatus: "Suspended" }),
    field: "agreementStatus",
    recordId: 7
  },
  {
    name: "addition with a null cancelled date",
    path: "addition",
    body: patched(addition, { cancelledDate: null }),
    decodes: (r) => expect(r.cancelledDate).toBeNull()
  },
  {
    name: "addition with a numeric cancelled date",
    path: "addition",
    body: patched(addition, { cancelledDate: 20260101 }),
    field: "cancelledDate",
    recordId: 7
  },
  // Agreements
  { name: "agreement without a type", path: "agreement", body: without(agreement, "type"), field: "type", recordId: 9 },
  {
    name: "agreement with a null company",
    path: "agreement",
    body: patched(agreement, { company: null }),
    field: "company",
    recordId: 9
  },
  {
    name: "agreement with an unknown status",
    path: "agreement",
    body: patched(agreement, { agreementStatus: "OnHold" }),
    field: "agreementStatus",
    recordId: 9
  },
  {
    name: "agreement bill amount as a string",
    path: "agreement",
    body: patched(agreement, { billAmount: "99.95" }),
    decodes: (r) => expect(dec(r.billAmount as BigDecimal.BigDecimal)).toBe("99.95")
  },
  // Invoices
  {
    name: "invoice with an unknown type",
    path: "invoice",
    body: patched(invoice, { type: "Recurring" }),
    field: "type",
    recordId: 11
  },
  {
    name: "invoice number as a number",
    path: "invoice",
    body: patched(invoice, { invoiceNumber: 1001 }),
    field: "invoiceNumber",
    recordId: 11
  },
  {
    name: "invoice total as a string and balance as a number",
    path: "invoice",
    body: patched(invoice, { total: "121.00", balance: 0 }),
    decodes: (r) =>
      expect([dec(r.total as BigDecimal.BigDecimal), dec(r.balance as BigDecimal.BigDecimal)]).toEqual(["121", "0"])
  },
  {
    name: "invoice with a null total",
    path: "invoice",
    body: patched(invoice, { total: null }),
    decodes: (r) => expect(r.total).toBeNull()
  },
  {
    name: "invoice with a text balance",
    path: "invoice",
    body: patched(invoice, { balance: "n/a" }),
    field: "balance",
    recordId: 11
  },
  // Bodies that are not a record
  { name: "a record that is null", path: "company", body: "null", field: undefined },
  { name: "a record that is an array", path: "company", body: json([company]), field: undefined },
  { name: "a record that is a number", path: "company", body: "42", field: undefined }
]

const getOf = (client: ReturnType<typeof clientAnswering>["client"], path: Case["path"]) => {
  switch (path) {
    case "company":
      return client.get("/company/companies/{id}", { id: 5 })
    case "addition":
      return client.get("/finance/agreements/{parentId}/additions/{id}", { parentId: 9, id: 7 })
    case "agreement":
      return client.get("/finance/agreements/{id}", { id: 9 })
    case "invoice":
      return client.get("/finance/invoices/{id}", { id: 11 })
  }
}

describe("the ConnectWise response corpus", () => {
  it.each(records)("$name", async (c) => {
    const { client } = clientAnswering({ body: c.body })
    if ("decodes" in c) {
      c.decodes((await getOf(client, c.path)) as Record<string, unknown>)
      return
    }
    const error = await failure(getOf(client, c.path))
    expect(error.reason._tag).toBe("DecodeError")
    if (error.reason._tag !== "DecodeError") return
    expect(error.reason.field).toBe(c.field)
    if (c.recordId !== undefined) expect(error.reason.recordId).toBe(c.recordId)
    // The message names the record's path and the field, for the row state a caller builds from it.
    expect(error.message).toContain(error.path)
    if (c.field !== undefined) expect(error.message).toContain(c.field)
  })

  it("reads an empty page as no records", async () => {
    const { client } = clientAnswering({ body: "[]" })
    expect(await client.listAll("/company/companies")).toEqual([])
  })

  it("reads a full page of 1,000 and then the short one after it", async () => {
    const page = (from: number, n: number) =>
      json(Array.from({ length: n }, (_, i) => ({ id: from + i, identifier: `C${from + i}`, name: "x" })))
    const { client, requests } = clientAnswering({ body: page(1, 1000) }, { body: page(1001, 3) })
    const rows = await client.listAll("/company/companies")
    expect(rows).toHaveLength(1003)
    expect(new Set(rows.map((r) => r.id)).size).toBe(1003)
    expect(requests()).toBe(2)
  })

  it("names the bad record of a page by id and field", async () => {
    const { client } = clientAnswering({ body: json([company, { ...company, id: 6, name: null }]) })
    const error = await failure(client.listAll("/company/companies"))
    expect(error.reason).toMatchObject({ _tag: "DecodeError", field: "name", recordId: 6 })
  })

  it("fails a page that is not an array, or not JSON, with a typed DecodeError", async () => {
    for (const body of [
      '{"items":[]}',
      '{"id":5}',
      "",
      "[{",
      '[{"id":5,"identifier":"A","name":"A"}',
      "\u0000\u0001"
    ]) {
      const { client } = clientAnswering({ body })
      const error = await failure(client.listAll("/company/companies"))
      expect(error.reason._tag, JSON.stringify(body)).toBe("DecodeError")
    }
  })

  it("retries a truncated page once and reads it whole", async () => {
    const whole = json([company])
    const { client, requests } = clientAnswering({ body: whole.slice(0, 12) }, { body: whole })
    expect(await client.listAll("/company/companies")).toHaveLength(1)
    expect(requests()).toBe(2)
  })

  it("reads an HTML page as the error its status stands for, or as a DecodeError on a 200", async () => {
    const html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    const cases: Array<[number, string]> = [
      [502, "ServerError"],
      [500, "ServerError"],
      [401, "UnauthorizedError"],
      [403, "ForbiddenError"],
      [404, "NotFoundError"],
      [400, "ValidationError"],
      [200, "DecodeError"]
    ]
    for (const [status, tag] of cases) {
      const { client } = clientAnswering({ status, body: html, type: "text/html" })
      const error = await failure(client.get("/company/companies/{id}", { id: 5 }))
      expect(error.reason._tag, String(status)).toBe(tag)
      expect(error.message).not.toContain("<html>")
    }
  })

  it("reads ConnectWise's error body: the fields it rejected", async () => {
    const { client } = clientAnswering({
      status: 400,
      body: json({
        code: "InvalidObject",
        message: "addition object is invalid",
        errors: [{ code: "NullValue", field: "product", message: "Product is required" }, "junk", null]
      })
    })
    const error = await failure(
      client.create("/finance/agreements/{parentId}/additions", {}, { path: { parentId: 9 } })
    )
    expect(error.reason).toMatchObject({
      _tag: "ValidationError",
      code: "InvalidObject",
      errors: [{ field: "product" }]
    })
  })

  it("fails a count that is not an integer with a DecodeError naming count", async () => {
    for (const body of ['{"count":"5"}', '{"count":5.5}', "{}", '{"count":null}']) {
      const { client } = clientAnswering({ body })
      const error = await failure(client.count("/company/companies"))
      expect(error.reason).toMatchObject({ _tag: "DecodeError", field: "count" })
    }
    expect(await clientAnswering({ body: '{"count":12}' }).client.count("/company/companies")).toBe(12)
  })

  it("reports a created record's undecodable answer as an ambiguous write naming the field", async () => {
    const { client } = clientAnswering({ status: 201, body: patched(company, { id: "new" }) })
    const error = await failure(client.create("/company/companies", { identifier: "A", name: "A" }))
    expect(error.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "body", field: "id" })
    const cut = clientAnswering({ status: 201, body: json(company).slice(0, 10) })
    const truncated = await failure(cut.client.create("/company/companies", { identifier: "A", name: "A" }))
    expect(truncated.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "body" })
    expect(cut.requests()).toBe(1)
  })
})
