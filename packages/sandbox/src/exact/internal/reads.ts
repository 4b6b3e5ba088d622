/**
 * OData reads: a page of a set (regular, bulk or sync endpoints, with `$select`, `$filter`,
 * `$orderby`, `$expand`, `$top`, `$inlinecount` and `$skiptoken`) and a single record by key.
 */

import { type EntitySet, endpoints } from "./entities.ts"
import { type Expr, FilterSyntaxError, fieldsOf, matches, parseFilter } from "./filter.ts"
import { jsonResponse, odataError } from "./responses.ts"
import { byKey, type Division, entityOf, type Json, rows, type SimState } from "./state.ts"
import { Dec, type SimRecord, type Value, When } from "./values.ts"

export const present = (
  entity: EntitySet,
  record: SimRecord,
  division: Division,
  url: URL,
  select: ReadonlyArray<string> | undefined,
  expand: ReadonlySet<string>,
  sync: boolean
): Json => {
  // Links keep the mount path in front of `/api/v1/{division}/`.
  const at = url.pathname.indexOf("/api/v1/")
  const endpointPart = url.pathname
    .slice(at + "/api/v1/".length)
    .split("/")
    .slice(1)
    .join("/")
  const uri = `${url.origin}${url.pathname.slice(0, at)}/api/v1/${division.seed.code}/${endpointPart}`
  const keyText = `(guid'${String(record[entity.key])}')`
  const out: Json = { __metadata: { uri: `${uri.replace(/\(.*$/, "")}${keyText}`, type: entity.type } }
  const wanted = select?.filter((field) => !field.includes("/"))
  const fields =
    wanted && wanted.length > 0 && !wanted.includes("*")
      ? [...wanted, ...[...expand].filter((field) => !wanted.includes(field))]
      : entity.fields
  for (const field of fields) {
    const navigation = entity.navigation?.[field]
    if (navigation) {
      if (expand.has(field)) {
        const child = entityOf(navigation.set)
        const childSelect = select?.filter((f) => f.startsWith(`${field}/`)).map((f) => f.slice(field.length + 1))
        const children = division.children.get(navigation.set)?.get(String(record[entity.key]).toLowerCase()) ?? []
        out[field] = {
          results: children.map((line) =>
            present(child, line, division, url, childSelect?.length ? childSelect : undefined, new Set(), false)
          )
        }
      } else {
        out[field] = { __deferred: { uri: `${out.__metadata ? (out.__metadata as Json).uri : uri}/${field}` } }
      }
      continue
    }
    out[field] = (record[field] ?? null) as Value
  }
  if (sync) out.Timestamp = record.__ts as number
  return out
}

export const parseSelect = (entity: EntitySet, text: string | null): Array<string> | undefined => {
  if (text === null) return undefined
  const fields = text
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean)
  for (const field of fields) {
    const [head, tail] = field.split("/")
    if (head === "*" || head === "Timestamp") continue
    if (!head || !entity.fields.includes(head))
      throw new FilterSyntaxError(`Property '${head}' does not exist on ${entity.name}.`)
    if (tail !== undefined) {
      const navigation = entity.navigation?.[head]
      if (!navigation || (tail !== "*" && !entityOf(navigation.set).fields.includes(tail))) {
        throw new FilterSyntaxError(`Property '${field}' does not exist on ${entity.name}.`)
      }
    }
  }
  return fields
}

export const list = (sim: SimState, division: Division, endpointPath: string, url: URL): Response => {
  const endpoint = endpoints.get(endpointPath.toLowerCase())
  if (!endpoint) return odataError(404, `Resource not found: ${endpointPath}`)
  const entity = entityOf(endpoint.set)
  const query = url.searchParams
  let select: Array<string> | undefined
  let filter: Expr | undefined
  try {
    select = parseSelect(entity, query.get("$select"))
    const filterText = query.get("$filter")
    if (filterText !== null && filterText.trim() !== "") {
      filter = parseFilter(filterText)
      for (const field of fieldsOf(filter)) {
        if (field === "Timestamp" && endpoint.mode === "sync") continue
        if (!entity.fields.includes(field) || entity.navigation?.[field]) {
          throw new FilterSyntaxError(`Property '${field}' does not exist on ${entity.name} or cannot be filtered.`)
        }
      }
      if (endpoint.mode === "sync" && fieldsOf(filter).some((field) => field !== "Timestamp")) {
        throw new FilterSyntaxError("Sync endpoints only filter on Timestamp.")
      }
    }
  } catch (error) {
    if (error instanceof FilterSyntaxError) return odataError(400, error.message)
    throw error
  }
  if (endpoint.mode !== "list" && (!select || select.length === 0)) {
    return odataError(400, "$select is mandatory on bulk and sync endpoints.")
  }
  const expand = new Set(
    (query.get("$expand") ?? "")
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean)
  )
  for (const field of expand) {
    if (!entity.navigation?.[field]) return odataError(400, `Cannot expand '${field}' on ${entity.name}.`)
  }
  const wire = (record: SimRecord): SimRecord =>
    endpoint.mode === "sync" ? { ...record, Timestamp: new Dec(String(record.__ts)) } : record
  // Unfiltered regular and bulk reads page the stored array itself (no copy of 200,000 lines a page).
  const stored = rows(division, endpoint.set)
  let found = endpoint.mode === "sync" ? stored.map(wire) : stored
  if (filter) found = found.filter((record) => matches(filter, record))
  const orderby = query.get("$orderby")
  if (endpoint.mode === "sync") {
    found = [...found].sort((a, b) => (a.__ts as number) - (b.__ts as number))
  } else if (orderby) {
    const [field = "", direction] = orderby.trim().split(/\s+/)
    if (!entity.fields.includes(field)) return odataError(400, `Cannot order by '${field}'.`)
    const sign = direction?.toLowerCase() === "desc" ? -1 : 1
    const key = (value: Value | undefined): string | number =>
      value instanceof When
        ? value.ms
        : value instanceof Dec
          ? Number(value.text)
          : typeof value === "number"
            ? value
            : String(value ?? "")
    found = [...found].sort((a, b) => {
      const x = key(a[field])
      const y = key(b[field])
      return x < y ? -sign : x > y ? sign : 0
    })
  }
  const skiptoken = query.get("$skiptoken")
  let start = 0
  if (skiptoken !== null) {
    const match = /^guid'([^']+)'$/.exec(skiptoken)
    const resumeAt = match ? byKey(division, endpoint.set, match[1] ?? "") : undefined
    const position = !resumeAt
      ? -1
      : found === stored
        ? (sim.positions.get(resumeAt) ?? -1)
        : found.findIndex((record) => String(record[entity.key]).toLowerCase() === match?.[1]?.toLowerCase())
    if (position < 0) return odataError(400, "The $skiptoken is invalid.")
    start = position + 1
  }
  const size = endpoint.mode === "list" ? sim.pageSize : sim.bulkPageSize
  const top = query.get("$top")
  const limit = top === null ? size : Math.min(size, Math.max(0, Number.parseInt(top, 10) || 0))
  const page = found.slice(start, start + limit)
  const results = page.map((record) => present(entity, record, division, url, select, expand, endpoint.mode === "sync"))
  const d: Json = { results }
  if (query.get("$inlinecount") === "allpages") d.__count = String(found.length)
  if (top === null && start + limit < found.length) {
    const last = page[page.length - 1] as SimRecord
    const next = new URL(url)
    next.searchParams.set("$skiptoken", `guid'${String(last[entity.key])}'`)
    d.__next = next.toString()
  }
  return jsonResponse(200, { d })
}

export const single = (division: Division, endpointPath: string, id: string, url: URL): Response => {
  const endpoint = endpoints.get(endpointPath.toLowerCase())
  if (endpoint?.mode !== "list") return odataError(404, `Resource not found: ${endpointPath}`)
  const entity = entityOf(endpoint.set)
  const record = byKey(division, endpoint.set, id)
  if (!record) return odataError(404, `${entity.name.replace(/s$/, "")} not found.`)
  let select: Array<string> | undefined
  try {
    select = parseSelect(entity, url.searchParams.get("$select"))
  } catch (error) {
    if (error instanceof FilterSyntaxError) return odataError(400, error.message)
    throw error
  }
  const expand = new Set((url.searchParams.get("$expand") ?? "").split(",").filter(Boolean))
  return jsonResponse(200, { d: present(entity, record, division, url, select, expand, false) })
}
