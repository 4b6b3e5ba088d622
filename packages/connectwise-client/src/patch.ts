import type { BigDecimal } from "effect"

/**
 * One JSON Patch operation as ConnectWise's PATCH endpoints take them.
 *
 * @since 0.1.0
 */
export interface PatchOperation {
  readonly op: "add" | "replace" | "remove"
  /** A field path such as `quantity` or `product/id`. */
  readonly path: string
  readonly value?: unknown
}

/**
 * A value a patch may set: JSON data, or a `BigDecimal` (sent as an exact JSON number).
 *
 * @since 0.1.0
 */
export type PatchValue = string | number | boolean | null | BigDecimal.BigDecimal | Date | { readonly id: number }

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/

const checked = (path: string): string => {
  if (!FIELD.test(path)) throw new TypeError(`Not a ConnectWise field path: ${JSON.stringify(path)}`)
  return path
}

const value = (v: PatchValue): unknown => (v instanceof Date ? v.toISOString().replace(/\.\d{3}Z$/, "Z") : v)

/**
 * Builders for JSON Patch bodies. Only the operations you ask for are emitted: ConnectWise rejects
 * patches that resend unchanged defaults.
 *
 * @example
 * ```ts
 * await client.patch("/finance/agreements/{parentId}/additions/{id}", { parentId: 12, id: 345 },
 *   patch.fromPartial({ quantity: BigDecimal.fromStringUnsafe("14"), cancelledDate: new Date("2026-05-01T00:00:00Z") }))
 * ```
 *
 * @since 0.1.0
 */
export const patch = {
  /** `{op: "replace", path, value}` */
  replace: (path: string, v: PatchValue): PatchOperation => ({ op: "replace", path: checked(path), value: value(v) }),
  /** `{op: "add", path, value}` */
  add: (path: string, v: PatchValue): PatchOperation => ({ op: "add", path: checked(path), value: value(v) }),
  /** `{op: "remove", path}` */
  remove: (path: string): PatchOperation => ({ op: "remove", path: checked(path) }),
  /** One `replace` per key whose value is not `undefined`, in key order. */
  fromPartial: (changes: Readonly<Record<string, PatchValue | undefined>>): Array<PatchOperation> =>
    Object.entries(changes).flatMap(([path, v]) =>
      v === undefined ? [] : [{ op: "replace" as const, path: checked(path), value: value(v) }]
    )
} as const
