// A link's settings form as data: its state (strings as typed) from a stored configuration, and
// the configuration it saves. Kept apart from the components so the mapping is tested on its own:
// a save must keep every field the form does not show, and never change a setting nobody touched.

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
  const { mail: _mail, schedules: _schedules, ...rest } = previous
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
              ...transfer,
              // Not written while it is the default nobody chose, so the default can serve it.
              ...(transfer.mode === undefined && d.mode === "entry" ? {} : { mode: d.mode }),
              journal: d.journal,
              vatCodes: pick(d.vatCodes),
              paymentConditions: pick(d.paymentConditions)
            }
          })
    },
    source: sourceOf(d, previous),
    ...(mailTo.length === 0 ? {} : { mail: { to: mailTo, when: d.mailWhen } }),
    ...(d.schedules.length === 0 ? {} : { schedules: d.schedules })
  }
}
