// Construction of Schema class instances from values the core itself produced.
//
// `new ReconciliationRow(fields)` parses every field against the schema (and every element of every array
// field) through Effect's parser: right at the boundary, where input arrives, and a third of the
// core's time when it runs for each of 100k rows and operations built from values that were
// validated when they entered (lines, snapshot, mappings, decisions) or computed from them. The
// core validates at the boundary and builds its own results with `trusted`, which makes the same
// object the constructor would — the class's prototype, its fields as own properties in the
// schema's field order, the tag of a tagged class — without the parse.
//
// Only for classes whose fields carry no check a computed value could fail: a stored record with
// length limits (`RememberMapping`, `Mapping`) is still built with `new`, so what would have
// failed still fails. `verifyTrusted(true)` (tests) builds each value both ways and throws when
// they differ, or when the constructor would have refused the fields.

interface SchemaClass {
  // biome-ignore lint/suspicious/noExplicitAny: any Schema class constructor
  new (props: any, options?: any): object
  readonly fields: Readonly<Record<string, unknown>>
}

interface Shape {
  readonly keys: ReadonlyArray<string>
  /** The literal tag of a tagged class (its `_tag` field has a constructor default). */
  readonly tag: string | undefined
}

const shapes = new WeakMap<SchemaClass, Shape>()

const shapeOf = (Class: SchemaClass): Shape => {
  let shape = shapes.get(Class)
  if (shape === undefined) {
    const tagAst = (Class.fields._tag as { readonly ast?: { readonly _tag?: string; readonly literal?: unknown } })?.ast
    shape = {
      keys: Object.keys(Class.fields),
      tag: tagAst?._tag === "Literal" && typeof tagAst.literal === "string" ? tagAst.literal : undefined
    }
    shapes.set(Class, shape)
  }
  return shape
}

let verifying = false

/** Tests: build every trusted value with the constructor too, and throw where the two differ. @internal */
export const verifyTrusted = (on: boolean): void => {
  verifying = on
}

/** Whether `verifyTrusted` is on (a builder can skip making the fields it would verify against). @internal */
export const isVerifying = (): boolean => verifying

/**
 * The instance `new Class(props)` would make, without parsing `props`: for values the core built
 * from validated parts.
 */
export const trusted = <C extends SchemaClass>(Class: C, props: ConstructorParameters<C>[0]): InstanceType<C> => {
  const shape = shapeOf(Class)
  const instance = Object.create(Class.prototype) as Record<string, unknown>
  const source = props as Record<string, unknown>
  for (const key of shape.keys) {
    if (key === "_tag" && shape.tag !== undefined) instance._tag = shape.tag
    else if (Object.hasOwn(source, key)) instance[key] = source[key]
  }
  if (verifying) verify(Class, props, instance)
  return instance as InstanceType<C>
}

/** For hand-written trusted builders: verifies `instance` like `trusted` does, and returns it. @internal */
export const verified = <C extends SchemaClass>(
  Class: C,
  props: unknown,
  instance: InstanceType<C>
): InstanceType<C> => {
  if (verifying) verify(Class, props, instance as Record<string, unknown>)
  return instance
}

const verify = (Class: SchemaClass, props: unknown, instance: Record<string, unknown>): void => {
  const checked = new Class(props) as Record<string, unknown>
  const name = Class.name
  if (Object.getPrototypeOf(checked) !== Object.getPrototypeOf(instance)) throw new Error(`trusted ${name}: prototype`)
  const keys = Object.keys(instance)
  if (Object.keys(checked).join(",") !== keys.join(",")) {
    throw new Error(
      `trusted ${name}: fields ${keys.join(",")} but the constructor made ${Object.keys(checked).join(",")}`
    )
  }
  for (const key of keys) {
    const a = instance[key]
    const b = checked[key]
    const same =
      Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((item, i) => item === b[i]) : a === b
    if (!same) throw new Error(`trusted ${name}: field ${key} differs from the constructor's`)
  }
}
