import type { SimRecord } from "./values.ts"

/** An entity set the simulation keeps per division. */
export interface EntitySet {
  readonly name: string
  readonly key: string
  /** Exact's OData type name, for `__metadata.type`. */
  readonly type: string
  /** Every field a record carries (`null` until set); `$select` and `$filter` may name only these. */
  readonly fields: ReadonlyArray<string>
  /** Navigation collections: field name → child set and the child's foreign key. */
  readonly navigation?: Readonly<Record<string, { readonly set: string; readonly foreignKey: string }>>
}

const set = (name: string, key: string, type: string, fields: string, navigation?: EntitySet["navigation"]) =>
  ({ name, key, type, fields: fields.split(/\s+/).filter(Boolean), ...(navigation ? { navigation } : {}) }) as const

/** The entity sets, with the fields the simulation models (a subset of Exact's documented fields). */
export const entitySets: Readonly<Record<string, EntitySet>> = Object.fromEntries(
  [
    set(
      "Accounts",
      "ID",
      "Exact.Web.Api.Models.Account",
      `ID Code Name SearchCode Status Type Email Phone Website Language City Country Postcode AddressLine1 VATNumber
       ChamberOfCommerce SalesVATCode SalesCurrency PaymentConditionSales PaymentConditionPurchase IsSales IsSupplier
       Blocked Division Created Modified`
    ),
    set(
      "Items",
      "ID",
      "Exact.Web.Api.Models.Item",
      `ID Code Description IsSalesItem IsPurchaseItem IsStockItem SalesVatCode GLRevenue GLRevenueCode GLCosts
       GLCostsCode Unit UnitDescription StandardSalesPrice CostPriceStandard CostPriceCurrency Division Created
       Modified`
    ),
    set(
      "VATCodes",
      "ID",
      "Exact.Web.Api.Models.VATCode",
      "ID Code Description Percentage Type VATTransactionType IsBlocked Division"
    ),
    set(
      "GLAccounts",
      "ID",
      "Exact.Web.Api.Models.GLAccount",
      "ID Code Description BalanceType BalanceSide Type IsBlocked Division"
    ),
    set("Journals", "ID", "Exact.Web.Api.Models.Journal", "ID Code Description Type Currency Division"),
    set("PaymentConditions", "ID", "Exact.Web.Api.Models.PaymentCondition", "ID Code Description PaymentDays Division"),
    set(
      "SalesInvoices",
      "InvoiceID",
      "Exact.Web.Api.Models.SalesInvoice",
      `InvoiceID InvoiceNumber InvoiceDate OrderDate DueDate OrderedBy OrderedByName InvoiceTo InvoiceToName DeliverTo
       Journal JournalDescription Currency Description YourRef PaymentCondition PaymentConditionDescription
       PaymentReference Remarks Status StatusDescription Type TypeDescription AmountFC AmountFCExclVat VATAmountFC
       AmountDC Division Created Modified SalesInvoiceLines`,
      { SalesInvoiceLines: { set: "SalesInvoiceLines", foreignKey: "InvoiceID" } }
    ),
    set(
      "SalesInvoiceLines",
      "ID",
      "Exact.Web.Api.Models.SalesInvoiceLine",
      `ID InvoiceID LineNumber Item ItemCode ItemDescription Description Quantity UnitPrice NetPrice Discount AmountFC
       AmountDC VATCode VATPercentage VATAmountFC CostPriceFC GLAccount UnitCode CostCenter DeliveryDate Subscription
       Division`
    ),
    set(
      "Receivables",
      "ID",
      "Exact.Web.Api.Models.Receivable",
      `ID Account AccountCode AccountName EntryID InvoiceNumber InvoiceDate DueDate AmountDC AmountFC Currency
       Description YourRef IsFullyPaid LastPaymentDate Journal EntryNumber EntryDate TransactionEntryID
       TransactionAmountFC Status`
    ),
    set(
      "SalesEntries",
      "EntryID",
      "Exact.Web.Api.Models.SalesEntry",
      `EntryID EntryNumber Journal Customer CustomerName EntryDate DueDate YourRef Description Currency Rate
       PaymentCondition PaymentReference AmountFC AmountDC VATAmountFC Status Type Division Created Modified
       SalesEntryLines`,
      { SalesEntryLines: { set: "SalesEntryLines", foreignKey: "EntryID" } }
    ),
    set(
      "SalesEntryLines",
      "ID",
      "Exact.Web.Api.Models.SalesEntryLine",
      "ID EntryID LineNumber GLAccount GLAccountCode Description Quantity AmountFC AmountDC VATCode VATPercentage VATAmountFC Division"
    ),
    set(
      "Documents",
      "ID",
      "Exact.Web.Api.Models.Document",
      "ID Subject Type Account DocumentDate FinancialTransactionEntryID Division Created"
    ),
    set(
      "DocumentAttachments",
      "ID",
      "Exact.Web.Api.Models.DocumentAttachment",
      "ID Document FileName FileSize Attachment"
    ),
    set(
      "Subscriptions",
      "EntryID",
      "Exact.Web.Api.Models.Subscription",
      `EntryID Number Description OrderedBy OrderedByName InvoiceTo StartDate EndDate InvoicingStartDate InvoicedTo
       InvoiceDay Currency PaymentCondition SubscriptionType SubscriptionTypeCode Created Modified SubscriptionLines`,
      { SubscriptionLines: { set: "SubscriptionLines", foreignKey: "EntryID" } }
    ),
    set(
      "SubscriptionLines",
      "ID",
      "Exact.Web.Api.Models.SubscriptionLine",
      `ID EntryID LineNumber Item ItemDescription Description Quantity UnitPrice NetPrice AmountFC Discount FromDate
       ToDate VATCode LineType`
    ),
    set(
      "PurchaseInvoices",
      "ID",
      "Exact.Web.Api.Models.PurchaseInvoice",
      `ID EntryNumber Supplier Journal InvoiceDate DueDate YourRef Currency Description PaymentCondition Status Type
       Amount VATAmount Division Modified PurchaseInvoiceLines`,
      { PurchaseInvoiceLines: { set: "PurchaseInvoiceLines", foreignKey: "InvoiceID" } }
    ),
    set(
      "PurchaseInvoiceLines",
      "ID",
      "Exact.Web.Api.Models.PurchaseInvoiceLine",
      "ID InvoiceID LineNumber Item Description Quantity Unit UnitPrice NetPrice Amount VATCode VATAmount VATPercentage Currency Project"
    ),
    set(
      "PurchaseEntries",
      "EntryID",
      "Exact.Web.Api.Models.PurchaseEntry",
      `EntryID EntryNumber EntryDate DueDate Supplier SupplierName Journal YourRef Currency Description AmountFC
       AmountDC VATAmountFC Status PurchaseEntryLines`,
      { PurchaseEntryLines: { set: "PurchaseEntryLines", foreignKey: "EntryID" } }
    ),
    set(
      "PurchaseEntryLines",
      "ID",
      "Exact.Web.Api.Models.PurchaseEntryLine",
      "ID EntryID LineNumber GLAccount GLAccountCode Description AmountFC AmountDC VATCode VATAmountFC Quantity"
    ),
    set(
      "Projects",
      "ID",
      "Exact.Web.Api.Models.Project",
      "ID Code Description Account AccountCode AccountName StartDate EndDate Type Division"
    )
  ].map((entity) => [entity.name, entity])
)

/** How an endpoint serves a set: regular (60 a page), bulk or sync (1,000 a page, `$select` required). */
export interface Endpoint {
  readonly set: string
  readonly mode: "list" | "bulk" | "sync"
}

const endpointList: ReadonlyArray<readonly [string, string, Endpoint["mode"]]> = [
  ["crm/Accounts", "Accounts", "list"],
  ["bulk/CRM/Accounts", "Accounts", "bulk"],
  ["sync/CRM/Accounts", "Accounts", "sync"],
  ["logistics/Items", "Items", "list"],
  ["bulk/Logistics/Items", "Items", "bulk"],
  ["sync/Logistics/Items", "Items", "sync"],
  ["vat/VATCodes", "VATCodes", "list"],
  ["financial/GLAccounts", "GLAccounts", "list"],
  ["financial/Journals", "Journals", "list"],
  ["bulk/Financial/GLAccounts", "GLAccounts", "bulk"],
  ["sync/Financial/GLAccounts", "GLAccounts", "sync"],
  ["cashflow/PaymentConditions", "PaymentConditions", "list"],
  ["cashflow/Receivables", "Receivables", "list"],
  ["bulk/Cashflow/Receivables", "Receivables", "bulk"],
  ["salesinvoice/SalesInvoices", "SalesInvoices", "list"],
  ["bulk/SalesInvoice/SalesInvoices", "SalesInvoices", "bulk"],
  ["sync/SalesInvoice/SalesInvoices", "SalesInvoices", "sync"],
  ["salesinvoice/SalesInvoiceLines", "SalesInvoiceLines", "list"],
  ["bulk/SalesInvoice/SalesInvoiceLines", "SalesInvoiceLines", "bulk"],
  ["subscription/Subscriptions", "Subscriptions", "list"],
  ["sync/Subscription/Subscriptions", "Subscriptions", "sync"],
  ["subscription/SubscriptionLines", "SubscriptionLines", "list"],
  ["sync/Subscription/SubscriptionLines", "SubscriptionLines", "sync"],
  ["purchase/PurchaseInvoices", "PurchaseInvoices", "list"],
  ["purchase/PurchaseInvoiceLines", "PurchaseInvoiceLines", "list"],
  ["purchaseentry/PurchaseEntries", "PurchaseEntries", "list"],
  ["purchaseentry/PurchaseEntryLines", "PurchaseEntryLines", "list"],
  ["project/Projects", "Projects", "list"],
  ["salesentry/SalesEntries", "SalesEntries", "list"],
  ["salesentry/SalesEntryLines", "SalesEntryLines", "list"],
  ["documents/Documents", "Documents", "list"],
  ["documents/DocumentAttachments", "DocumentAttachments", "list"]
]

/** Endpoints by lower-cased path (Exact's routing ignores case). */
export const endpoints: ReadonlyMap<string, Endpoint & { readonly path: string }> = new Map(
  endpointList.map(([path, setName, mode]) => [path.toLowerCase(), { path, set: setName, mode }])
)

/** A record of `set` with every modelled field present (null unless given). */
export const blankRecord = (entity: EntitySet, values: SimRecord): SimRecord => {
  const record: SimRecord = {}
  for (const field of entity.fields) {
    if (entity.navigation?.[field]) continue
    record[field] = values[field] ?? null
  }
  return record
}
