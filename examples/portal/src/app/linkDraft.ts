// A link's settings form as data: its state (strings as typed) from a stored configuration, and
// the configuration it saves. Kept apart from the components so the mapping is tested on its own:
// a save must keep every field the form does not show, and never change a setting nobody touched.

/** The kinds of change a run may apply without a per-row approval, as the engine names them. */
export const CHANGE_KINDS = [
  "createProduct",
  "createAgreement",
  "addAddition",
  "updateQuantity",
  "updateUnitCost",
  "updateUnitPrice",
  "cancelAddition"
] as const
export type ChangeKind = (typeof CHANGE_KINDS)[number]

/** A schedule row of the form. */
export type Schedule = { job: string; cron: string; enabled: boolean }

/** The form's state: strings as typed, turned into a `LinkConfigInput` on save. */
export interface Draft {
  name: string
  cwBaseUrl: string
  cwCompanyId: string
  cwPublicKey: string
  cwPrivateKey: string
  cwClientId: string
  exBaseUrl: string
  exClientId: string
  exClientSecret: string
  exRedirectUri: string
  exDivision: string
  sourceKind: "sales" | "purchase" | "csv"
  salesUnitCost: "item" | "line" | "netPrice"
  purchaseSupplier: string
  purchaseCustomerBy: "project" | "costCenter" | "costUnit" | "description"
  purchasePattern: string
  csvCustomer: string
  csvProduct: string
  csvQuantity: string
  csvUnitCost: string
  /** Optional columns: a date or month per row, the customer's name, the product's description. */
  csvMonth: string
  csvCustomerName: string
  csvProductDescription: string
  csvDelimiter: "," | ";" | "\t"
  csvEncoding: "utf-8" | "windows-1252"
  /** The currency of the rows when the file has no currency column. */
  csvCurrency: string
  compare: "unitCost" | "unitPrice" | "both"
  tolerance: string
  agreementTypeId: string
  agreementName: string
  billingTermsId: string
  billingCycleId: string
  productClass: string
  productSubcategoryId: string
  productTypeId: string
  productTaxable: boolean
  mode: "entry" | "invoice"
  journal: string
  vatCodes: Record<string, string>
  paymentConditions: Record<string, string>
  /** Entry mode: the revenue GL account (code) of lines without their own, and per catalog item id. */
  defaultGlAccount: string
  glAccounts: Record<string, string>
  /** The approval policy: the score a suggestion links at by itself ("" the engine's default). */
  autoAcceptAbove: string
  /** The change kinds an unattended run applies without a person. */
  autoApprove: Array<ChangeKind>
  /** Whether flow B creates an Exact customer for a company without one ("" the transfer settings'). */
  createAccounts: "" | "ask" | "auto" | "never"
  mailTo: string
  mailWhen: "always" | "problems"
  schedules: Array<Schedule>
}

export type Json = Record<string, unknown>
export const obj = (value: unknown): Json => (typeof value === "object" && value !== null ? (value as Json) : {})
export const str = (value: unknown) => (value === undefined || value === null ? "" : String(value))

/** A new link's form; `origin` is the portal's, for the Exact redirect URI. */
export const emptyDraft = (origin: string): Draft => ({
  name: "",
  cwBaseUrl: "",
  cwCompanyId: "",
  cwPublicKey: "",
  cwPrivateKey: "",
  cwClientId: "",
  exBaseUrl: "",
  exClientId: "",
  exClientSecret: "",
  exRedirectUri: `${origin}/api/v1/oauth/exact/callback`,
  exDivision: "",
  sourceKind: "sales",
  salesUnitCost: "item",
  purchaseSupplier: "",
  purchaseCustomerBy: "project",
  purchasePattern: "",
  csvCustomer: "",
  csvProduct: "",
  csvQuantity: "",
  csvUnitCost: "",
  csvMonth: "",
  csvCustomerName: "",
  csvProductDescription: "",
  csvDelimiter: ";",
  csvEncoding: "utf-8",
  csvCurrency: "EUR",
  compare: "unitCost",
  tolerance: "",
  agreementTypeId: "",
  agreementName: "Managed Services {customer}",
  billingTermsId: "",
  billingCycleId: "",
  productClass: "",
  productSubcategoryId: "",
  productTypeId: "",
  productTaxable: true,
  // The engine's default: a sales entry carrying ConnectWise's own number.
  mode: "entry",
  journal: "",
  vatCodes: {},
  paymentConditions: {},
  defaultGlAccount: "",
  glAccounts: {},
  autoAcceptAbove: "",
  autoApprove: [],
  createAccounts: "",
  mailTo: "",
  mailWhen: "problems",
  schedules: []
})

/** A stored configuration (as `GET /links/{id}` shows it) as the form's state. */
export const draftOf = (config: Json, origin: string): Draft => {
  const cw = obj(config.connectwise)
  const ex = obj(config.exact)
  const settings = obj(config.settings)
  const source = obj(config.source)
  const transfer = obj(settings.transfer)
  const agreement = obj(settings.newAgreement)
  const product = obj(settings.newProduct)
  const mail = obj(config.mail)
  const approval = obj(config.approval)
  const customer = obj(Array.isArray(source.customer) ? source.customer[0] : source.customer)
  const columns = obj(source.columns)
  const base = emptyDraft(origin)
  return {
    ...base,
    name: str(config.name),
    cwBaseUrl: str(cw.baseUrl ?? cw.site),
    cwCompanyId: str(cw.companyId),
    cwPublicKey: str(cw.publicKey),
    cwClientId: str(cw.clientId),
    exBaseUrl: str(ex.baseUrl),
    exClientId: str(ex.clientId),
    exRedirectUri: str(ex.redirectUri),
    exDivision: str(ex.division),
    sourceKind: source.kind === "purchase" || source.kind === "csv" ? source.kind : "sales",
    salesUnitCost: source.unitCost === "line" || source.unitCost === "netPrice" ? source.unitCost : "item",
    purchaseSupplier: str(source.supplier),
    purchaseCustomerBy:
      customer.by === "costCenter" || customer.by === "costUnit" || customer.by === "description"
        ? customer.by
        : "project",
    purchasePattern: str(customer.pattern),
    csvCustomer: str(columns.customerKey),
    csvProduct: str(columns.productKey),
    csvQuantity: str(columns.quantity),
    csvUnitCost: str(columns.unitCost),
    csvMonth: str(columns.month),
    csvCustomerName: str(columns.customerName),
    csvProductDescription: str(columns.productDescription),
    csvDelimiter: source.delimiter === "," || source.delimiter === "\t" ? source.delimiter : ";",
    csvEncoding: source.encoding === "windows-1252" ? "windows-1252" : "utf-8",
    csvCurrency: source.currency === undefined ? base.csvCurrency : str(source.currency),
    compare: settings.compare === "unitPrice" || settings.compare === "both" ? settings.compare : "unitCost",
    tolerance: str(obj(settings.tolerance).EUR),
    agreementTypeId: str(agreement.typeId),
    agreementName: agreement.name === undefined ? base.agreementName : str(agreement.name),
    billingTermsId: str(agreement.billingTermsId),
    billingCycleId: str(agreement.billingCycleId),
    productClass: str(product.productClass),
    productSubcategoryId: str(product.subcategoryId),
    productTypeId: str(product.typeId),
    productTaxable: product.taxable !== false,
    mode: transfer.mode === "invoice" ? "invoice" : "entry",
    journal: str(transfer.journal),
    vatCodes: Object.fromEntries(Object.entries(obj(transfer.vatCodes)).map(([k, v]) => [k, str(v)])),
    paymentConditions: Object.fromEntries(Object.entries(obj(transfer.paymentConditions)).map(([k, v]) => [k, str(v)])),
    defaultGlAccount: str(transfer.defaultGlAccount),
    glAccounts: Object.fromEntries(Object.entries(obj(transfer.glAccounts)).map(([k, v]) => [k, str(v)])),
    autoAcceptAbove: str(approval.autoAcceptAbove),
    autoApprove: Array.isArray(approval.autoApprove)
      ? approval.autoApprove.filter((k): k is ChangeKind => (CHANGE_KINDS as ReadonlyArray<unknown>).includes(k))
      : [],
    createAccounts:
      approval.createAccounts === "ask" || approval.createAccounts === "auto" || approval.createAccounts === "never"
        ? approval.createAccounts
        : "",
    mailTo: Array.isArray(mail.to) ? mail.to.join(", ") : "",
    mailWhen: mail.when === "always" ? "always" : "problems",
    schedules: Array.isArray(config.schedules)
      ? config.schedules.map((s) => ({
          job: str(obj(s).job),
          cron: str(obj(s).cron),
          enabled: obj(s).enabled === true
        }))
      : []
  }
}

const without = (record: Json, ...keys: ReadonlyArray<string>): Json =>
  Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)))

/** An id picked in a pulldown, as the configuration's number; nothing when none is picked. */
const idOf = <K extends string>(key: K, value: string) => (value === "" ? {} : { [key]: Number(value) })

const given = <K extends string>(key: K, value: string) => (value.trim() === "" ? {} : { [key]: value.trim() })

/** The connections part of a configuration; a key is sent only when one was typed. */
const connectionsOf = (d: Draft) => ({
  connectwise: {
    ...(/^https?:\/\//.test(d.cwBaseUrl.trim()) ? given("baseUrl", d.cwBaseUrl) : given("site", d.cwBaseUrl)),
    companyId: d.cwCompanyId.trim(),
    publicKey: d.cwPublicKey.trim(),
    ...given("privateKey", d.cwPrivateKey),
    ...given("clientId", d.cwClientId)
  },
  exact: {
    ...given("baseUrl", d.exBaseUrl),
    clientId: d.exClientId.trim(),
    ...given("clientSecret", d.exClientSecret),
    redirectUri: d.exRedirectUri.trim(),
    ...(d.exDivision === "" ? {} : { division: Number(d.exDivision) })
  }
})

/** The invoice source the form describes; a CSV source keeps the columns the form does not show. */
export const sourceOf = (d: Draft, previous: Json = {}): Json => {
  if (d.sourceKind === "purchase") {
    return {
      kind: "purchase",
      supplier: d.purchaseSupplier.trim(),
      customer:
        d.purchaseCustomerBy === "description"
          ? { by: "description", pattern: d.purchasePattern }
          : { by: d.purchaseCustomerBy }
    }
  }
  if (d.sourceKind === "csv") {
    const before = obj(previous.source)
    const optional = (column: string, value: string) => (value.trim() === "" ? {} : { [column]: value.trim() })
    const {
      month: _m,
      customerName: _c,
      productDescription: _p,
      ...kept
    } = before.kind === "csv" ? obj(before.columns) : {}
    return {
      ...(before.kind === "csv" ? before : {}),
      kind: "csv",
      delimiter: d.csvDelimiter,
      ...(d.csvEncoding === "utf-8" && before.encoding === undefined ? {} : { encoding: d.csvEncoding }),
      ...optional("currency", d.csvCurrency.toUpperCase()),
      columns: {
        ...kept,
        customerKey: d.csvCustomer.trim(),
        productKey: d.csvProduct.trim(),
        quantity: d.csvQuantity.trim(),
        unitCost: d.csvUnitCost.trim(),
        ...optional("month", d.csvMonth),
        ...optional("customerName", d.csvCustomerName),
        ...optional("productDescription", d.csvProductDescription)
      }
    }
  }
  return { kind: "sales", unitCost: d.salesUnitCost }
}

/** The whole configuration; `previous` keeps the fields this form does not show. */
export const configOf = (d: Draft, previous: Json): Json => {
  const settings = obj(previous.settings)
  const transfer = obj(settings.transfer)
  const { mail: _mail, schedules: _schedules, approval: _approval, ...rest } = previous
  const previousCw = obj(previous.connectwise)
  const previousEx = obj(previous.exact)
  const { privateKey: _pk, baseUrl: _cb, site: _cs, ...keepCw } = previousCw
  const { clientSecret: _cs2, baseUrl: _eb, division: _ed, ...keepEx } = previousEx
  const connections = connectionsOf(d)
  const newAgreement =
    d.agreementTypeId === ""
      ? undefined
      : {
          ...without(obj(settings.newAgreement), "billingTermsId", "billingCycleId"),
          typeId: Number(d.agreementTypeId),
          ...given("name", d.agreementName),
          ...idOf("billingTermsId", d.billingTermsId),
          ...idOf("billingCycleId", d.billingCycleId)
        }
  const previousProduct = obj(settings.newProduct)
  // `taxable` is written only when it was stored or is switched off: true is the engine's default.
  const newProduct = {
    ...without(previousProduct, "productClass", "subcategoryId", "typeId", "taxable"),
    ...(d.productClass === "" ? {} : { productClass: d.productClass }),
    ...idOf("subcategoryId", d.productSubcategoryId),
    ...idOf("typeId", d.productTypeId),
    ...("taxable" in previousProduct || !d.productTaxable ? { taxable: d.productTaxable } : {})
  }
  // The form shows the EUR tolerance; other currencies' are kept as they are.
  const tolerance = {
    ...without(obj(settings.tolerance), "EUR"),
    ...(d.tolerance.trim() === "" ? {} : { EUR: d.tolerance.trim() })
  }
  const { newAgreement: _na, newProduct: _np, tolerance: _tol, transfer: _tr, ...keepSettings } = settings
  const mailTo = d.mailTo
    .split(/[,;\s]+/)
    .map((m) => m.trim())
    .filter((m) => m !== "")
  const pick = (record: Record<string, string>) =>
    Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ""))
  const glAccounts = pick(d.glAccounts)
  const approval = approvalOf(d, obj(previous.approval))
  return {
    ...rest,
    name: d.name.trim(),
    connectwise: { ...keepCw, ...connections.connectwise },
    exact: { ...keepEx, ...connections.exact },
    settings: {
      ...keepSettings,
      compare: d.compare,
      ...(Object.keys(tolerance).length === 0 ? {} : { tolerance }),
      ...(newAgreement === undefined ? {} : { newAgreement }),
      ...(Object.keys(newProduct).length === 0 ? {} : { newProduct }),
      ...(d.journal === ""
        ? {}
        : {
            transfer: {
              ...without(transfer, "defaultGlAccount", "glAccounts"),
              // Not written while it is the default nobody chose, so the default can serve it.
              ...(transfer.mode === undefined && d.mode === "entry" ? {} : { mode: d.mode }),
              journal: d.journal,
              vatCodes: pick(d.vatCodes),
              paymentConditions: pick(d.paymentConditions),
              ...given("defaultGlAccount", d.defaultGlAccount),
              ...(Object.keys(glAccounts).length === 0 ? {} : { glAccounts })
            }
          })
    },
    source: sourceOf(d, previous),
    ...(Object.keys(approval).length === 0 ? {} : { approval }),
    ...(mailTo.length === 0 ? {} : { mail: { to: mailTo, when: d.mailWhen } }),
    ...(d.schedules.length === 0 ? {} : { schedules: d.schedules })
  }
}

/**
 * The approval policy the form describes; a field left empty is not written, so the engine's
 * default (or the transfer settings' account creation) applies. The kinds keep the engine's order.
 */
const approvalOf = (d: Draft, previous: Json): Json => {
  // A decimal comma is read as a point; anything else that is not a number goes as typed, and the
  // server's refusal names the field.
  const threshold = d.autoAcceptAbove.trim().replace(",", ".")
  const score = Number(threshold)
  return {
    ...without(previous, "autoAcceptAbove", "autoApprove", "createAccounts"),
    ...(threshold === "" ? {} : { autoAcceptAbove: Number.isFinite(score) ? score : threshold }),
    ...(d.autoApprove.length === 0 && !("autoApprove" in previous)
      ? {}
      : { autoApprove: CHANGE_KINDS.filter((kind) => d.autoApprove.includes(kind)) }),
    ...(d.createAccounts === "" ? {} : { createAccounts: d.createAccounts })
  }
}
