// Writes openapi/vendor/connectwise-fields.json: the property names of each ConnectWise schema our
// OpenAPI document uses, as ConnectWise documents them. Most come from ConnectWise's own OpenAPI
// document, version 2026.4 (its GET-only extract, see SOURCE below); the schemas that extract
// lacks (write bodies, payments, billing terms, tax codes, the accounting interface, errors) come
// from the documentation generated from ConnectWise's 2025.8 document, listed here by hand with
// the file each list was read from. `test/vendor-fields.test.ts` compares our document with the
// result; it reads only files in this repository.
//
// Run once when a schema is added: node openapi/vendor/extract.mjs <connectwise-manage-2026.4-get-subset.openapi.json>
import { readFileSync, writeFileSync } from "node:fs"

const source = process.argv[2]
if (!source) throw new Error("usage: node extract.mjs <openapi.json>")

/** The schemas of ConnectWise's 2026.4 document we use. */
const fromSpec = [
  "CompanyReference",
  "AgreementReference",
  "AgreementTypeReference",
  "ContactReference",
  "SiteReference",
  "IvItemReference",
  "CatalogItemReference",
  "BillingTermsReference",
  "TaxCodeReference",
  "CurrencyReference",
  "BillingStatusReference",
  "BillingCycleReference",
  "CompanyStatusReference",
  "CompanyTypeReference",
  "ProductSubCategoryReference",
  "ProductTypeReference",
  "UnitOfMeasureReference",
  "ProductCategoryReference",
  "InvoiceReference",
  "BatchReference",
  "MemberReference",
  "CustomFieldValue",
  "Company",
  "Agreement",
  "AgreementType",
  "Addition",
  "CatalogItem",
  "Invoice",
  "ProductItem",
  "TimeEntry",
  "Count"
]

const docs =
  "github.com/ai-connor/connectwise @ 9cd5f49 build/docs (openapi-generator output of ConnectWise's 2025.8 document; Go field names, JSON names are their lowerCamelCase, Info = _info)"
const levels = ["levelOne", "levelTwo", "levelThree", "levelFour", "levelFive", "levelSix"]
const taxLevel = (level) =>
  [
    "Rate",
    "RateType",
    "TaxableMax",
    "Caption",
    "TaxCodeXref",
    "AgencyXref",
    "ServicesFlag",
    "ExpensesFlag",
    "ProductsFlag"
  ].map((field) => `${level}${field}`)
const unpostedTax = (level) => ["Flag", "Xref", "Amount"].map((field) => `${level}Tax${field}`)

/** Schemas the 2026.4 extract lacks, from the 2025.8 documentation. */
const fromDocs = {
  InvoicePayment: {
    file: "build/docs/InvoicePayment.md (the body of /finance/invoices/{parentId}/payments, InvoicePaymentsAPI.md)",
    properties: [
      "id",
      "type",
      "source",
      "invoice",
      "credit",
      "amount",
      "balance",
      "invoiceBalance",
      "invoiceTotal",
      "paymentDate",
      "appliedBy",
      "_info",
      "wisePayPayment",
      "paymentSyncStatus",
      "paymentSyncDate",
      "paymentAccount"
    ]
  },
  BillingCycle: {
    file: "build/docs/BillingCycle.md (the list of /finance/billingCycles, BillingCyclesAPI.md)",
    properties: ["id", "identifier", "name", "defaultFlag", "billingOptions", "_info"]
  },
  ProductType: {
    file: "build/docs/ProductType.md (the list of /procurement/types, ProductTypesAPI.md)",
    properties: ["id", "name", "inactiveFlag", "typeXref", "defaultFlag", "_info"]
  },
  SubCategory: {
    file: "build/docs/SubCategory.md (the list of /procurement/subcategories, SubCategoriesAPI.md)",
    properties: ["id", "name", "inactiveFlag", "integrationXref", "defaultFlag", "category", "_info"]
  },
  BillingTerm: {
    file: "build/docs/BillingTerm.md",
    properties: ["id", "name", "defaultFlag", "dueDays", "termsXref", "_info"]
  },
  TaxCode: {
    file: "build/docs/TaxCode.md",
    properties: [
      "id",
      "identifier",
      "description",
      "invoiceCaption",
      "country",
      "effectiveDate",
      "defaultFlag",
      "displayOnInvoiceFlag",
      "canadaCalculateGSTFlag",
      "cancelDate",
      ...levels.flatMap(taxLevel),
      "_info"
    ]
  },
  UnpostedInvoice: {
    file: "build/docs/UnpostedInvoice.md",
    properties: [
      "id",
      "billingLogId",
      "locationId",
      "location",
      "departmentId",
      "department",
      "company",
      "accountNumber",
      "billToCompany",
      "billToSite",
      "shipToCompany",
      "shipToSite",
      "invoiceNumber",
      "invoiceDate",
      "invoiceType",
      "description",
      "billingTerms",
      "dueDays",
      "dueDate",
      "currency",
      "subTotal",
      "total",
      "hasTime",
      "hasExpenses",
      "hasProducts",
      "invoiceTaxableFlag",
      "taxCode",
      "avalaraTaxFlag",
      "itemTaxableFlag",
      "salesTaxAmount",
      ...["state", "county", "city", "country", "composite", "levelSix"].flatMap(unpostedTax),
      "createdBy",
      "dateClosed",
      "_info"
    ]
  },
  AccountingBatch: {
    file: "build/docs/AccountingBatch.md",
    properties: [
      "id",
      "batchIdentifier",
      "exportInvoicesFlag",
      "exportExpensesFlag",
      "exportProductsFlag",
      "closedFlag",
      "_info"
    ]
  },
  CreateAccountingBatchRequest: {
    file: "build/docs/CreateAccountingBatchRequest.md",
    properties: [
      "id",
      "batchIdentifier",
      "glInterfaceIdentifier",
      "exportInvoicesFlag",
      "exportExpensesFlag",
      "exportProductsFlag",
      "processedRecordIds",
      "summarizeExpenses"
    ]
  },
  PatchOperation: { file: "build/docs/PatchOperation.md", properties: ["op", "path", "value"] },
  ErrorResponseMessage: { file: "build/docs/ErrorResponseMessage.md", properties: ["code", "message", "errors"] },
  ValidationError: {
    file: "build/docs/ValidationError.md",
    properties: ["code", "message", "resource", "field", "details"]
  }
}

/** Answers that are not schemas of ConnectWise's document, with where their fields are shown. */
const fromSamples = {
  CompanyInfo: {
    file: "GET /login/companyinfo/{companyId} sample in KelvinTegelaar/PowerShellWarrantyReports PR #32; pyconnectwise _try_get_codebase_from_api reads Codebase (shared/reference/connectwise/NOTES.md §3)",
    properties: ["Codebase", "VersionCode", "IsCloud", "SiteUrl", "CompanyID"]
  },
  SystemInfo: {
    file: "GET /system/info: ConnectWiseManageAPI Connect-CWM.ps1 reads the server version from it (NOTES.md §3)",
    properties: ["version"]
  }
}

const spec = JSON.parse(readFileSync(source, "utf8"))
const schemas = {}
for (const name of fromSpec) {
  const schema = spec.components.schemas[name]
  if (!schema) throw new Error(`${name} is not in ${source}`)
  schemas[name] = { source: "spec-2026.4", properties: Object.keys(schema.properties ?? {}) }
}
for (const [name, { file, properties }] of Object.entries(fromDocs))
  schemas[name] = { source: "docs-2025.8", file, properties }
for (const [name, { file, properties }] of Object.entries(fromSamples))
  schemas[name] = { source: "sample", file, properties }

const out = {
  $comment: "ConnectWise's documented property names per schema. Generated by extract.mjs; do not edit by hand.",
  sources: {
    "spec-2026.4":
      "ConnectWise Manage Public Endpoints 2026.4, GET subset: src/connectwise_mcp/data/openapi_get_filtered.json of github.com/wdyoung4383/connectwise-psa-mcp @ e124283a1c4b1b05a28e81c3ad67d81a819d3296 (sha256 a63970bd…); the file has no licence, so only names are kept here",
    "docs-2025.8": docs,
    sample: "a recorded response quoted by the cited project"
  },
  /** Our document's name for a schema ConnectWise names otherwise. */
  ourNames: { Payment: "InvoicePayment", ProductSubCategory: "SubCategory" },
  schemas
}
writeFileSync(new URL("./connectwise-fields.json", import.meta.url), `${JSON.stringify(out, null, 1)}\n`)
