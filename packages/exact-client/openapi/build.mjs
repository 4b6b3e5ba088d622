// Writes openapi/exact.openapi.json, psa-ledger's own OpenAPI 3.1 description of the Exact Online
// REST endpoints it uses. Exact publishes no OpenAPI document; the field names and EDM types below
// were taken from Exact's per-entity documentation (see shared/reference/exact/NOTES.md, R1).
//
// Field notation: `Name:t` with t = s string, g GUID, n Edm.Double (an amount or quantity), d
// `/Date(ms)/` date, i integer, b boolean, [X] a navigation collection; `*` marks the key and `+`
// a field Exact accepts on POST (only used for the entities we POST).
//
// Run with `npm run generate` (this script, then openapi-typescript).
import { writeFileSync } from "node:fs"

const entities = {
  Me: {
    path: "current/Me",
    fields:
      "UserID:g*+ AccountingDivision:i+ CurrentDivision:i+ CustomerCode:s+ DivisionCustomer:g+ DivisionCustomerCode:s+ DivisionCustomerName:s+ DivisionCustomerSiretNumber:s+ DivisionCustomerVatNumber:s+ DossierDivision:i+ Email:s+ EmployeeID:g+ FirstName:s+ FullName:s+ Gender:s+ Initials:s+ IsClientUser:b+ IsMyFirmPortalUser:b+ Language:s+ LanguageCode:s+ LastName:s+ Legislation:i+ MiddleName:s+ Mobile:s+ Nationality:s+ Phone:s+ PhoneExtension:s+ PictureUrl:s+ ServerTime:s+ ServerUtcOffset:n+ ThumbnailPicture:s+ ThumbnailPictureFormat:s+ Title:s+ UserName:s+"
  },
  Division: {
    path: "system/Divisions",
    fields:
      "Code:i*+ AddressLine1:s+ AddressLine2:s+ AddressLine3:s+ ArchiveDate:d+ BlockingStatus:i+ BusinessTypeCode:s+ BusinessTypeDescription:s+ ChamberOfCommerceEstablishment:s+ ChamberOfCommerceNumber:s+ City:s+ CompanySizeCode:s+ CompanySizeDescription:s+ Country:s+ Created:d Creator:g CreatorFullName:s Currency:s+ Current:b+ Customer:g+ CustomerCode:s+ CustomerName:s+ DatevAccountantNumber:s+ DatevClientNumber:s+ Description:s+ DivisionMoveDate:d+ Email:s+ Fax:s+ Hid:i+ IsDossierDivision:b+ IsMainDivision:b+ IsPracticeDivision:b+ Legislation:s Modified:d Modifier:g ModifierFullName:s OBNumber:s+ Phone:s+ Postcode:s+ SbiCode:s+ SbiDescription:s+ SectorCode:s+ SectorDescription:s+ ShareCapital:n+ SiretNumber:s+ StartDate:d+ State:s+ Status:i+ SubsectorCode:s+ SubsectorDescription:s+ TaxOfficeNumber:s+ TaxReferenceNumber:s+ TemplateCode:s+ VATNumber:s+ Website:s+"
  },
  SalesInvoice: {
    path: "salesinvoice/SalesInvoices",
    fields:
      "InvoiceID:g*+ AmountDC:n AmountDiscount:n+ AmountDiscountExclVat:n+ AmountFC:n AmountFCExclVat:n Created:d Creator:g CreatorFullName:s Currency:s+ DeliverTo:g+ DeliverToAddress:g+ DeliverToContactPerson:g+ DeliverToContactPersonFullName:s DeliverToName:s Description:s+ Discount:n+ DiscountType:i Division:i Document:g+ DocumentNumber:i DocumentSubject:s DueDate:d+ ExtraDutyAmountFC:n+ GAccountAmountFC:n+ IncotermAddress:s+ IncotermCode:s+ IncotermVersion:i+ InvoiceDate:d InvoiceNumber:i InvoiceTo:g+ InvoiceToContactPerson:g+ InvoiceToContactPersonFullName:s InvoiceToName:s IsExtraDuty:b+ Journal:s+ JournalDescription:s Modified:d Modifier:g ModifierFullName:s OrderDate:d+ OrderedBy:g+ OrderedByContactPerson:g+ OrderedByContactPersonFullName:s OrderedByName:s OrderNumber:i+ PaymentCondition:s+ PaymentConditionDescription:s PaymentReference:s+ Remarks:s+ SalesChannel:g+ SalesChannelCode:s SalesChannelDescription:s SalesInvoiceLines:[SalesInvoiceLines]+ Salesperson:g+ SalespersonFullName:s SelectionCode:g+ SelectionCodeCode:s SelectionCodeDescription:s StarterSalesInvoiceStatus:i StarterSalesInvoiceStatusDescription:s Status:i StatusDescription:s TaxSchedule:g+ TaxScheduleCode:s TaxScheduleDescription:s Type:i+ TypeDescription:s VATAmountDC:n VATAmountFC:n Warehouse:g+ WithholdingTaxAmountFC:n+ WithholdingTaxBaseAmount:n+ WithholdingTaxPercentage:n+ YourRef:s+"
  },
  SalesInvoiceLine: {
    path: "salesinvoice/SalesInvoiceLines",
    fields:
      "ID:g*+ AmountDC:n AmountFC:n+ CostCenter:s+ CostCenterDescription:s CostUnit:s+ CostUnitDescription:s CustomerItemCode:s DeliveryDate:d+ Description:s+ Discount:n+ Division:i Employee:g+ EmployeeFullName:s EndTime:d+ ExtraDutyAmountFC:n+ ExtraDutyPercentage:n+ GLAccount:g+ GLAccountDescription:s InvoiceID:g+ Item:g+ ItemCode:s ItemDescription:s LineNumber:i NetPrice:n+ Notes:s+ Pricelist:g+ PricelistDescription:s Project:g+ ProjectDescription:s ProjectWBS:g+ ProjectWBSDescription:s Quantity:n+ SalesOrder:g SalesOrderLine:g SalesOrderLineNumber:i SalesOrderNumber:i StartTime:d+ Subscription:g SubscriptionDescription:s TaxSchedule:g+ TaxScheduleCode:s TaxScheduleDescription:s UnitCode:s+ UnitDescription:s UnitPrice:n+ VATAmountDC:n+ VATAmountFC:n+ VATCode:s+ VATCodeDescription:s VATPercentage:n+"
  },
  PrintedSalesInvoice: {
    path: "salesinvoice/PrintedSalesInvoices",
    fields:
      "InvoiceID:g*+ Division:i+ Document:g+ DocumentCreationError:s+ DocumentCreationSuccess:s+ DocumentLayout:g+ EmailCreationError:s+ EmailCreationSuccess:s+ EmailLayout:g+ ExtraText:s+ InvoiceDate:d+ PostboxMessageCreationError:s+ PostboxMessageCreationSuccess:s+ PostboxSender:g+ ReportingPeriod:i+ ReportingYear:i+ SendEmailToCustomer:b+ SenderEmailAddress:s+ SendInvoiceToCustomerPostbox:b+ SendOutputBasedOnAccount:b+"
  },
  SyncSalesInvoice: {
    path: "sync/SalesInvoice/SalesInvoices",
    fields:
      "Timestamp:i*+ AmountDC:n AmountDiscount:n+ AmountDiscountExclVat:n+ AmountFC:n+ AmountFCExclVat:n CostCenter:s+ CostCenterDescription:s CostUnit:s+ CostUnitDescription:s Created:d Creator:g CreatorFullName:s Currency:s+ CustomerItemCode:s DeliverTo:g+ DeliverToAddress:g+ DeliverToContactPerson:g+ DeliverToContactPersonFullName:s DeliverToName:s DeliveryDate:d+ Description:s+ Discount:n+ DiscountType:i Division:i Document:g+ DocumentNumber:i DocumentSubject:s DueDate:d+ Employee:g+ EmployeeFullName:s EndTime:d+ ExtraDutyAmountFC:n+ ExtraDutyPercentage:n+ GAccountAmountFC:n+ GLAccount:g+ GLAccountDescription:s ID:g+ IncotermAddress:s+ IncotermCode:s IncotermVersion:i+ InvoiceDate:d InvoiceID:g+ InvoiceNumber:i InvoiceTo:g+ InvoiceToContactPerson:g+ InvoiceToContactPersonFullName:s InvoiceToName:s IsExtraDuty:b+ Item:g+ ItemCode:s ItemDescription:s Journal:s+ JournalDescription:s LineNumber:i Modified:d Modifier:g ModifierFullName:s NetPrice:n+ Notes:s+ OrderDate:d+ OrderedBy:g+ OrderedByContactPerson:g+ OrderedByContactPersonFullName:s OrderedByName:s OrderNumber:i+ PaymentCondition:s+ PaymentConditionDescription:s PaymentReference:s+ Pricelist:g+ PricelistDescription:s Project:g+ ProjectDescription:s ProjectWBS:g+ ProjectWBSDescription:s Quantity:n+ Remarks:s+ SalesChannel:g+ SalesChannelCode:s SalesChannelDescription:s SalesOrder:g SalesOrderLine:g SalesOrderLineNumber:i SalesOrderNumber:i Salesperson:g+ SalespersonFullName:s StarterSalesInvoiceStatus:i StarterSalesInvoiceStatusDescription:s StartTime:d+ Status:i StatusDescription:s Subscription:g SubscriptionDescription:s TaxSchedule:g+ TaxScheduleCode:s TaxScheduleDescription:s Type:i+ TypeDescription:s UnitCode:s+ UnitDescription:s UnitPrice:n+ VATAmountDC:n+ VATAmountFC:n+ VATCode:s+ VATCodeDescription:s VATPercentage:n+ Warehouse:g+ WithholdingTaxAmountFC:n+ WithholdingTaxBaseAmount:n+ WithholdingTaxPercentage:n+ YourRef:s+"
  },
  SalesEntry: {
    path: "salesentry/SalesEntries",
    fields:
      "EntryID:g*+ AmountDC:n AmountFC:n BatchNumber:i+ Created:d Creator:g CreatorFullName:s Currency:s+ Customer:g+ CustomerName:s Description:s+ Division:i Document:g+ DocumentNumber:i DocumentSubject:s DueDate:d+ EntryDate:d+ EntryNumber:i+ ExternalLinkDescription:s ExternalLinkReference:s+ GAccountAmountFC:n+ InvoiceNumber:i+ IsExtraDuty:b+ Journal:s+ JournalDescription:s Modified:d Modifier:g ModifierFullName:s OrderNumber:i+ PaymentCondition:s+ PaymentConditionDescription:s PaymentReference:s+ ProcessNumber:i+ Rate:n+ ReportingPeriod:i+ ReportingYear:i+ Reversal:b+ SalesEntryLines:[SalesEntryLines]+ Status:i StatusDescription:s Type:i TypeDescription:s VATAmountDC:n VATAmountFC:n+ WithholdingTaxAmountDC:n+ WithholdingTaxBaseAmount:n+ WithholdingTaxPercentage:n+ YourRef:s+"
  },
  SalesEntryLine: {
    path: "salesentry/SalesEntryLines",
    fields:
      "ID:g*+ AmountDC:n AmountFC:n+ Asset:g+ AssetDescription:s CostCenter:s+ CostCenterDescription:s CostUnit:s+ CostUnitDescription:s Description:s+ Division:i EntryID:g+ ExtraDutyAmountFC:n+ ExtraDutyPercentage:n+ From:d+ GLAccount:g+ GLAccountCode:s GLAccountDescription:s IntraStatArea:s+ IntraStatCountry:s+ IntraStatDeliveryTerm:s+ IntraStatTransactionA:s+ IntraStatTransactionB:s+ IntraStatTransportMethod:s+ LineNumber:i Notes:s+ Project:g+ ProjectDescription:s Quantity:n+ SerialNumber:s+ StatisticalNetWeight:n+ StatisticalNumber:s+ StatisticalQuantity:n+ StatisticalValue:n+ Subscription:g+ SubscriptionDescription:s TaxSchedule:g+ To:d+ TrackingNumber:g+ TrackingNumberDescription:s Type:i VATAmountDC:n VATAmountFC:n+ VATBaseAmountDC:n+ VATBaseAmountFC:n+ VATCode:s+ VATCodeDescription:s VATPercentage:n+"
  },
  Document: {
    path: "documents/Documents",
    fields:
      "ID:g*+ Account:g+ AccountCode:s AccountName:s AmountFC:n+ Body:s+ Category:g+ CategoryDescription:s+ Contact:g+ ContactFullName:s Created:d Creator:g CreatorFullName:s+ Currency:s+ Division:i DocumentDate:d+ DocumentFolder:g+ DocumentFolderCode:s DocumentFolderDescription:s DocumentViewUrl:s ExpiryDate:d+ FinancialTransactionEntryID:g+ HasEmptyBody:b HID:i+ InheritShare:b+ Language:s+ Modified:d Modifier:g ModifierFullName:s Opportunity:g+ Project:g+ ProjectCode:s ProjectDescription:s SalesInvoiceNumber:i+ SalesOrderNumber:i+ SendMethod:i ShopOrderNumber:i+ Subject:s+ Type:i+ TypeDescription:s"
  },
  DocumentAttachment: {
    path: "documents/DocumentAttachments",
    fields: "ID:g*+ Attachment:s+ Document:g+ FileName:s+ FileSize:n Url:s"
  },
  FinancialPeriod: {
    path: "financial/FinancialPeriods",
    fields:
      "ID:g*+ Created:d Creator:g CreatorFullName:s Division:i EndDate:d+ FinPeriod:i+ FinYear:i+ Modified:d Modifier:g ModifierFullName:s StartDate:d+"
  },
  PurchaseInvoice: {
    path: "purchase/PurchaseInvoices",
    fields:
      "ID:g*+ Amount:n ContactPerson:g+ Currency:s+ Description:s+ Document:g+ DueDate:d+ EntryNumber:i ExchangeRate:n+ FinancialPeriod:i+ FinancialYear:i+ InvoiceDate:d+ Journal:s+ Modified:d PaymentCondition:s+ PaymentReference:s+ PurchaseInvoiceLines:[PurchaseInvoiceLines]+ Remarks:s+ Source:i Status:i Supplier:g+ Type:i+ VATAmount:n Warehouse:g+ YourRef:s+"
  },
  PurchaseInvoiceLine: {
    path: "purchase/PurchaseInvoiceLines",
    fields:
      "ID:g*+ Amount:n+ CostCenter:s+ CostUnit:s+ Currency:s Description:s+ Discount:n+ Expense:g+ ExpenseDescription:s InvoiceID:g InvoiceType:i+ Item:g+ ItemUnit:s LineNumber:i Modified:d NetPrice:n+ Notes:s+ Project:g+ PurchaseOrderLine:g+ Quantity:n+ QuantityInDefaultUnits:n Rebill:b+ Unit:s UnitPrice:n+ VATAmount:n+ VATCode:s+ VATPercentage:n"
  },
  PurchaseEntry: {
    path: "purchaseentry/PurchaseEntries",
    fields:
      "EntryID:g*+ AmountDC:n AmountFC:n BatchNumber:i+ Created:d Creator:g CreatorFullName:s Currency:s+ Description:s+ Division:i Document:g+ DocumentNumber:i DocumentSubject:s DueDate:d+ EntryDate:d+ EntryNumber:i+ ExternalLinkDescription:s ExternalLinkReference:s+ GAccountAmountFC:n+ InvoiceNumber:i+ Journal:s+ JournalDescription:s Modified:d Modifier:g ModifierFullName:s OrderNumber:i+ PaymentCondition:s+ PaymentConditionDescription:s PaymentReference:s+ ProcessNumber:i+ PurchaseEntryLines:[PurchaseEntryLines]+ Rate:n+ ReportingPeriod:i+ ReportingYear:i+ Reversal:b+ Status:i StatusDescription:s Supplier:g+ SupplierName:s Type:i TypeDescription:s VATAmountDC:n VATAmountFC:n+ YourRef:s+"
  },
  PurchaseEntryLine: {
    path: "purchaseentry/PurchaseEntryLines",
    fields:
      "ID:g*+ AmountDC:n AmountFC:n+ Asset:g+ AssetDescription:s CostCenter:s+ CostCenterDescription:s CostUnit:s+ CostUnitDescription:s Description:s+ Division:i EntryID:g+ From:d+ GLAccount:g+ GLAccountCode:s GLAccountDescription:s IntraStatArea:s+ IntraStatCountry:s+ IntraStatDeliveryTerm:s+ IntraStatTransactionA:s+ IntraStatTransactionB:s+ IntraStatTransportMethod:s+ LineNumber:i Notes:s+ PrivateUsePercentage:n+ Project:g+ ProjectDescription:s Quantity:n+ SerialNumber:s+ StatisticalNetWeight:n+ StatisticalNumber:s+ StatisticalQuantity:n+ StatisticalValue:n+ Subscription:g+ SubscriptionDescription:s To:d+ TrackingNumber:g+ TrackingNumberDescription:s Type:i VATAmountDC:n VATAmountFC:n+ VATBaseAmountDC:n VATBaseAmountFC:n+ VATCode:s+ VATCodeDescription:s VATNonDeductiblePercentage:n+ VATPercentage:n+ WithholdingAmountDC:n+ WithholdingTax:s+"
  },
  Project: {
    path: "project/Projects",
    fields:
      "ID:g*+ Account:g+ AccountCode:s AccountContact:g+ AccountName:s AllowAdditionalInvoicing:b+ BlockEntry:b+ BlockPurchasing:b+ BlockRebilling:b+ BudgetedAmount:n+ BudgetedCosts:n+ BudgetedRevenue:n+ BudgetOverrunHours:i+ BudgetType:i+ BudgetTypeDescription:s Classification:g+ ClassificationDescription:s Code:s+ CostsAmountFC:n Created:d Creator:g CreatorFullName:s CustomerPOnumber:s+ Description:s+ Division:i DivisionName:s EndDate:d+ FixedPriceItem:g+ FixedPriceItemDescription:s HasWBSLines:b IncludeInvoiceSpecification:i+ IncludeSpecificationInInvoicePdf:b+ InternalNotes:s+ InvoiceAddress:g+ InvoiceAsQuoted:b Manager:g+ ManagerFullname:s MarkupPercentage:n+ Modified:d Modifier:g ModifierFullName:s Notes:s+ PrepaidItem:g+ PrepaidItemDescription:s PrepaidType:i+ PrepaidTypeDescription:s SalesTimeQuantity:n+ SourceQuotation:g StartDate:d+ TimeQuantityToAlert:n+ Type:i+ TypeDescription:s UseBillingMilestones:b+"
  },
  Account: {
    path: "crm/Accounts",
    fields:
      "ID:g*+ Accountant:g+ AccountManager:g+ AccountManagerFullName:s AccountManagerHID:i ActivitySector:g+ ActivitySubSector:g+ AddressLine1:s+ AddressLine2:s+ AddressLine3:s+ Blocked:b+ BRIN:g BSN:s+ BusinessType:g+ CanDropShip:b+ ChamberOfCommerce:s+ City:s+ Classification:s Classification1:g+ Classification2:g+ Classification3:g+ Classification4:g+ Classification5:g+ Classification6:g+ Classification7:g+ Classification8:g+ ClassificationDescription:s Code:s+ CodeAtSupplier:s+ CompanySize:g+ ConsolidationScenario:i+ ControlledDate:d+ Costcenter:s CostcenterDescription:s CostPaid:i Country:s+ CountryName:s Created:d Creator:g CreatorFullName:s CreditLinePurchase:n+ CreditLineSales:n+ Currency:s CustomerSince:d DatevCreditorCode:s+ DatevDebtorCode:s+ DeliveryAdvice:i+ DiscountPurchase:n+ DiscountSales:n+ Division:i Document:g DunsNumber:s Email:s+ EndDate:d+ EstablishedDate:d+ Fax:s+ GLAccountPurchase:g+ GLAccountSales:g+ GLAP:g+ GLAR:g+ GlnNumber:s+ HasWithholdingTaxSales:b+ IgnoreDatevWarningMessage:b+ IncotermAddressPurchase:s+ IncotermAddressSales:s+ IncotermCodePurchase:s+ IncotermCodeSales:s+ IncotermVersionPurchase:i+ IncotermVersionSales:i+ IntraStatArea:s+ IntraStatDeliveryTerm:s+ IntraStatSystem:s+ IntraStatTransactionA:s+ IntraStatTransactionB:s+ IntraStatTransportMethod:s+ InvoiceAccount:g+ InvoiceAccountCode:s InvoiceAccountName:s InvoiceAttachmentType:i+ InvoicingMethod:i+ IsAccountant:i+ IsAgency:i+ IsAnonymised:i IsBank:b IsCompetitor:i+ IsExtraDuty:b+ IsMailing:i+ IsMember:b IsPilot:b+ IsPurchase:b IsReseller:b+ IsSales:b IsSupplier:b+ Language:s+ LanguageDescription:s Latitude:n+ LeadPurpose:g+ LeadSource:g+ Logo:s+ LogoFileName:s+ LogoThumbnailUrl:s LogoUrl:s Longitude:n+ MainContact:g+ Modified:d Modifier:g ModifierFullName:s Name:s+ OINNumber:s+ Parent:g+ PayAsYouEarn:s+ PaymentConditionPurchase:s+ PaymentConditionPurchaseDescription:s PaymentConditionSales:s+ PaymentConditionSalesDescription:s Phone:s+ PhoneExtension:s+ Postcode:s+ PriceList:g+ PurchaseCurrency:s+ PurchaseCurrencyDescription:s PurchaseLeadDays:i+ PurchaseVATCode:s+ PurchaseVATCodeDescription:s RecepientOfCommissions:b+ Remarks:s+ Reseller:g+ ResellerCode:s ResellerName:s RSIN:s+ SalesCurrency:s+ SalesCurrencyDescription:s SalesTaxSchedule:g+ SalesTaxScheduleCode:s SalesTaxScheduleDescription:s SalesVATCode:s+ SalesVATCodeDescription:s SearchCode:s+ SecurityLevel:i+ SeparateInvPerProject:i+ SeparateInvPerSubscription:i+ ShippingLeadDays:i+ ShippingMethod:g+ ShowRemarkForSales:b+ StartDate:d+ State:s+ StateName:s Status:s+ StatusSince:d TradeName:s+ Type:s UniqueTaxpayerReference:s+ VATLiability:s+ VATNumber:s+ Website:s+"
  },
  Item: {
    path: "logistics/Items",
    fields:
      "ID:g*+ AverageCost:n+ Barcode:s+ Class_01:s+ Class_02:s+ Class_03:s+ Class_04:s+ Class_05:s+ Class_06:s+ Class_07:s+ Class_08:s+ Class_09:s+ Class_10:s+ Code:s+ CopyRemarks:i+ CostPriceCurrency:s+ CostPriceNew:n+ CostPriceStandard:n+ Created:d Creator:g CreatorFullName:s Description:s+ Division:i EndDate:d+ ExtraDescription:s+ FreeBoolField_01:b+ FreeBoolField_02:b+ FreeBoolField_03:b+ FreeBoolField_04:b+ FreeBoolField_05:b+ FreeDateField_01:d+ FreeDateField_02:d+ FreeDateField_03:d+ FreeDateField_04:d+ FreeDateField_05:d+ FreeNumberField_01:n+ FreeNumberField_02:n+ FreeNumberField_03:n+ FreeNumberField_04:n+ FreeNumberField_05:n+ FreeNumberField_06:n+ FreeNumberField_07:n+ FreeNumberField_08:n+ FreeTextField_01:s+ FreeTextField_02:s+ FreeTextField_03:s+ FreeTextField_04:s+ FreeTextField_05:s+ FreeTextField_06:s+ FreeTextField_07:s+ FreeTextField_08:s+ FreeTextField_09:s+ FreeTextField_10:s+ GLCosts:g+ GLCostsCode:s GLCostsDescription:s GLRevenue:g+ GLRevenueCode:s GLRevenueDescription:s GLStock:g+ GLStockCode:s GLStockDescription:s GrossWeight:n+ IsBatchItem:i+ IsBatchNumberItem:i+ IsFractionAllowedItem:b+ IsMakeItem:i+ IsNewContract:i+ IsOnDemandItem:i+ IsPackageItem:b+ IsPurchaseItem:b+ IsRegistrationCodeItem:i+ IsSalesItem:b+ IsSerialItem:b+ IsSerialNumberItem:b+ IsStockItem:b+ IsSubcontractedItem:b+ IsTaxableItem:i+ IsTime:i+ IsWebshopItem:i+ ItemGroup:g+ ItemGroupCode:s ItemGroupDescription:s Modified:d Modifier:g ModifierFullName:s NetWeight:n+ NetWeightUnit:s+ Notes:s+ PictureName:s PictureThumbnailUrl:s PictureUrl:s SalesVatCode:s+ SalesVatCodeDescription:s SearchCode:s+ SecurityLevel:i+ StandardSalesPrice:n StartDate:d+ StatisticalCode:s StatisticalNetWeight:n StatisticalUnits:n StatisticalValue:n Stock:n Unit:s+ UnitDescription:s UnitType:s"
  },
  VATCode: {
    path: "vat/VATCodes",
    fields:
      "ID:g*+ Account:g+ AccountCode:s AccountName:s CalculationBasis:i+ Charged:b+ Code:s+ Country:s Created:d Creator:g CreatorFullName:s Description:s+ Division:i EUSalesListing:s+ ExcludeVATListing:i+ GLDiscountPurchase:g+ GLDiscountPurchaseCode:s GLDiscountPurchaseDescription:s GLDiscountSales:g+ GLDiscountSalesCode:s GLDiscountSalesDescription:s GLToClaim:g+ GLToClaimCode:s GLToClaimDescription:s GLToPay:g+ GLToPayCode:s GLToPayDescription:s IntraStat:b+ IntrastatType:s+ IsBlocked:b+ LegalText:s+ Modified:d Modifier:g ModifierFullName:s OssCountry:s+ Percentage:n TaxReturnType:i+ Type:s+ VatDocType:s+ VatMargin:i+ VATPartialRatio:i+ VATTransactionType:s+"
  },
  GLAccount: {
    path: "financial/GLAccounts",
    fields:
      "ID:g*+ AssimilatedVATBox:i+ BalanceSide:s+ BalanceType:s+ BelcotaxType:i+ Code:s+ Compress:b+ Costcenter:s+ CostcenterDescription:s Costunit:s+ CostunitDescription:s Created:d Creator:g CreatorFullName:s Description:s+ DescriptionTermID:i+ Division:i ExcludeVATListing:i+ ExpenseNonDeductiblePercentage:n+ IsBlocked:b+ Matching:b+ Modified:d Modifier:g ModifierFullName:s PrivateGLAccount:g+ PrivatePercentage:n+ ReportingCode:s+ RevalueCurrency:b+ SearchCode:s+ Type:i+ TypeDescription:s UseCostcenter:i+ UseCostunit:i+ VATCode:s+ VATDescription:s VATGLAccountType:s+ VATNonDeductibleGLAccount:g+ VATNonDeductiblePercentage:n+ VATSystem:s+ YearEndCostGLAccount:g+ YearEndReflectionGLAccount:g+"
  },
  PaymentCondition: {
    path: "cashflow/PaymentConditions",
    fields:
      "ID:g*+ Code:s+ Created:d Creator:g CreatorFullName:s CreditManagementScenario:g+ CreditManagementScenarioCode:s CreditManagementScenarioDescription:s Description:s+ DiscountCalculation:s+ DiscountPaymentDays:i+ DiscountPercentage:n+ Division:i Modified:d Modifier:g ModifierFullName:s PaymentDays:i+ PaymentDiscountType:s+ PaymentEndOfMonths:i+ PaymentMethod:s+ Percentage:n+ VATCalculation:s+"
  },
  Receivable: {
    path: "cashflow/Receivables",
    fields:
      "ID:g*+ Account:g AccountBankAccountID:g AccountBankAccountNumber:s AccountCode:s AccountContact:g AccountContactName:s AccountCountry:s AccountName:s AmountDC:n AmountDiscountDC:n AmountDiscountFC:n AmountFC:n BankAccountID:g BankAccountNumber:s CashflowTransactionBatchCode:s Created:d Creator:g CreatorFullName:s Currency:s Description:s+ DirectDebitMandate:g DirectDebitMandateDescription:s DirectDebitMandatePaymentType:i DirectDebitMandateReference:s DirectDebitMandateType:i DiscountDueDate:d Division:i Document:g DocumentNumber:i DocumentSubject:s DueDate:d EndDate:d EndPeriod:i EndToEndID:s EndYear:i EntryDate:d EntryID:g EntryNumber:i GLAccount:g GLAccountCode:s GLAccountDescription:s InvoiceDate:d InvoiceNumber:i IsBatchBooking:i IsFullyPaid:b Journal:s JournalDescription:s LastPaymentDate:d Modified:d Modifier:g ModifierFullName:s OrderNumber:i PaymentCondition:s PaymentConditionDescription:s PaymentDays:i PaymentDaysDiscount:i PaymentDiscountPercentage:n PaymentInformationID:s PaymentMethod:s+ PaymentReference:s+ RateFC:n ReceivableBatchNumber:i ReceivableSelected:d ReceivableSelector:g ReceivableSelectorFullName:s Source:i Status:i TransactionAmountDC:n TransactionAmountFC:n TransactionDueDate:d TransactionEntryID:g TransactionID:g TransactionIsReversal:b TransactionReportingPeriod:i TransactionReportingYear:i TransactionStatus:i TransactionType:i YourRef:s"
  },
  Subscription: {
    path: "subscription/Subscriptions",
    fields:
      "EntryID:g*+ BlockEntry:b+ CancellationDate:d+ Classification:g+ ClassificationCode:s ClassificationDescription:s Created:d Creator:g CreatorFullName:s Currency:s+ CustomerPONumber:s+ Description:s+ Division:i EndDate:d+ InvoiceDay:i+ InvoicedTo:d InvoiceTo:g+ InvoiceToContactPerson:g+ InvoiceToContactPersonFullName:s InvoiceToName:s InvoicingStartDate:d+ Modified:d Modifier:g ModifierFullName:s Notes:s+ Number:i OrderedBy:g+ OrderedByContactPerson:g+ OrderedByContactPersonFullName:s OrderedByName:s PaymentCondition:s+ PaymentConditionDescription:s Printed:b+ Project:g+ ReasonCancelled:g+ ReasonCancelledCode:s ReasonCancelledDescription:s StartDate:d+ SubscriptionLines:[SubscriptionLines]+ SubscriptionType:g+ SubscriptionTypeCode:s SubscriptionTypeDescription:s"
  },
  SubscriptionLine: {
    path: "subscription/SubscriptionLines",
    fields:
      "ID:g*+ AmountDC:n+ AmountFC:n+ Costcenter:s+ Costunit:s+ Description:s+ Discount:n+ Division:i EntryID:g+ FromDate:d+ Item:g+ ItemDescription:s LineNumber:i LineType:i+ LineTypeDescription:s Modified:d NetPrice:n+ Notes:s+ Quantity:n+ SubscriptionNumber:i ToDate:d+ UnitCode:s+ UnitDescription:s UnitPrice:n+ VATAmountFC:n+ VATCode:s+ VATCodeDescription:s"
  }
}

/** Entities we create, with the POST body fields Exact documents as required. */
const creatable = {
  SalesInvoice: ["OrderedBy", "SalesInvoiceLines"],
  SalesInvoiceLine: ["Item"],
  PrintedSalesInvoice: ["InvoiceID"],
  Account: ["Name"],
  // Exact's documentation marks Customer, Journal and the lines as required on a sales entry.
  SalesEntry: ["Customer", "Journal", "SalesEntryLines"],
  SalesEntryLine: ["GLAccount", "AmountFC"],
  Document: ["Subject", "Type"],
  DocumentAttachment: ["Document", "Attachment", "FileName"]
}

const ref = (name) => ({ $ref: `#/components/schemas/${name}` })
const nullable = (schema) => ({ ...schema, type: [schema.type, "null"] })

const wireType = (t) => {
  switch (t) {
    case "s":
      return { type: "string" }
    case "g":
      return { type: "string", format: "uuid" }
    case "n":
      // Edm.Double on the wire; clients read the literal's text to keep every digit.
      return { type: "number" }
    case "d":
      return { type: "string", pattern: "^/Date\\(-?\\d+\\)/$" }
    case "i":
      return { type: "integer" }
    case "b":
      return { type: "boolean" }
    default:
      throw new Error(`unknown field type ${t}`)
  }
}

const parseFields = (text) =>
  text.split(" ").map((spec) => {
    const [name, rest] = spec.split(":")
    const match = /^(\[\w+\]|\w)([*+]*)$/.exec(rest)
    if (!match) throw new Error(`bad field spec ${spec}`)
    return { name, type: match[1], key: match[2].includes("*"), post: match[2].includes("+") }
  })

const navigationTarget = {
  SalesInvoiceLines: "SalesInvoiceLine",
  PurchaseInvoiceLines: "PurchaseInvoiceLine",
  PurchaseEntryLines: "PurchaseEntryLine",
  SalesEntryLines: "SalesEntryLine",
  SubscriptionLines: "SubscriptionLine"
}

const schemas = {
  Metadata: {
    type: "object",
    description: "OData v2 per-record metadata.",
    properties: { uri: { type: "string" }, type: { type: "string" } }
  },
  Deferred: {
    type: "object",
    description: "An unexpanded navigation property: ask for it with $expand.",
    required: ["__deferred"],
    properties: { __deferred: { type: "object", required: ["uri"], properties: { uri: { type: "string" } } } }
  },
  ODataError: {
    type: "object",
    description: "Exact's error body. Messages are localised; several are joined with CR LF.",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["message"],
        properties: {
          code: { type: "string" },
          message: {
            type: "object",
            required: ["value"],
            properties: { lang: { type: "string" }, value: { type: "string" } }
          }
        }
      }
    }
  },
  TokenResponse: {
    type: "object",
    required: ["access_token", "token_type", "expires_in", "refresh_token"],
    properties: {
      access_token: { type: "string" },
      token_type: { type: "string" },
      expires_in: { type: "string", description: 'Seconds, sent as a string ("600").' },
      refresh_token: { type: "string" }
    }
  },
  OAuthError: {
    type: "object",
    required: ["error"],
    properties: { error: { type: "string" }, error_description: { type: "string" } }
  }
}

for (const [name, entity] of Object.entries(entities)) {
  const fields = parseFields(entity.fields)
  const properties = { __metadata: ref("Metadata") }
  for (const field of fields) {
    if (field.type.startsWith("[")) {
      const target = navigationTarget[field.type.slice(1, -1)]
      properties[field.name] = {
        oneOf: [
          ref("Deferred"),
          { type: "object", required: ["results"], properties: { results: { type: "array", items: ref(target) } } }
        ]
      }
    } else {
      properties[field.name] = nullable(wireType(field.type))
    }
  }
  if (entity.path !== "salesinvoice/PrintedSalesInvoices") schemas[name] = { type: "object", properties }
  const required = creatable[name]
  if (required) {
    const body = {}
    for (const field of fields) {
      if (!field.post) continue
      if (field.type.startsWith("[")) {
        body[field.name] = { type: "array", items: ref(`${navigationTarget[field.type.slice(1, -1)]}Create`) }
      } else body[field.name] = nullable(wireType(field.type))
    }
    schemas[`${name}Create`] = { type: "object", required, properties: body }
  }
}
// What Exact answers a print with: the printed invoice's id (its number and status are read from
// SalesInvoices; PrintedSalesInvoices documents neither).
schemas.PrintedSalesInvoice = {
  type: "object",
  properties: { InvoiceID: { type: "string", format: "uuid" } }
}

const envelopes = (name) => {
  schemas[`${name}Page`] = {
    type: "object",
    required: ["d"],
    properties: {
      d: {
        type: "object",
        required: ["results"],
        properties: {
          results: { type: "array", items: ref(name) },
          __next: { type: "string", description: "The next page's URL, with $skiptoken; absent on the last page." },
          __count: { type: "string" }
        }
      }
    }
  }
  schemas[`${name}Single`] = { type: "object", required: ["d"], properties: { d: ref(name) } }
}
for (const name of Object.keys(entities)) envelopes(name)

const rateLimitHeaders = Object.fromEntries(
  [
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Minutely-Limit",
    "X-RateLimit-Minutely-Remaining",
    "X-RateLimit-Minutely-Reset"
  ].map((header) => [header, { $ref: `#/components/headers/${header}` }])
)
const headers = Object.fromEntries(
  Object.keys(rateLimitHeaders).map((header) => [
    header,
    {
      description: header.endsWith("Reset") ? "UTC epoch milliseconds." : "Calls (per division, per app).",
      schema: { type: "integer" }
    }
  ])
)

const errorResponses = {
  400: { $ref: "#/components/responses/Error" },
  401: { $ref: "#/components/responses/Error" },
  403: { $ref: "#/components/responses/Forbidden" },
  404: { $ref: "#/components/responses/Error" },
  429: { $ref: "#/components/responses/Error" },
  500: { $ref: "#/components/responses/Error" }
}
const ok = (schema, status = 200) => ({
  [status]: { description: "OK", headers: rateLimitHeaders, content: { "application/json": { schema: ref(schema) } } },
  ...errorResponses
})
const p = (name) => ({ $ref: `#/components/parameters/${name}` })
const listParameters = [p("filter"), p("select"), p("expand"), p("orderby"), p("top"), p("skiptoken"), p("inlinecount")]

const paths = {
  "/oauth2/token": {
    post: {
      operationId: "token",
      summary: "Exchange an authorization code, or a refresh token, for a token pair.",
      security: [],
      requestBody: {
        required: true,
        content: {
          "application/x-www-form-urlencoded": {
            schema: {
              type: "object",
              required: ["grant_type", "client_id", "client_secret"],
              properties: {
                grant_type: { type: "string", enum: ["authorization_code", "refresh_token"] },
                code: { type: "string" },
                redirect_uri: { type: "string" },
                refresh_token: { type: "string" },
                client_id: { type: "string" },
                client_secret: { type: "string" }
              }
            }
          }
        }
      },
      responses: {
        200: { description: "OK", content: { "application/json": { schema: ref("TokenResponse") } } },
        400: { description: "OAuth error", content: { "application/json": { schema: ref("OAuthError") } } },
        401: { description: "OAuth error", content: { "application/json": { schema: ref("OAuthError") } } }
      }
    }
  },
  "/v1/current/Me": {
    get: { operationId: "getMe", parameters: [p("select")], responses: ok("MePage") }
  }
}

const list = (path, schema, operationId) => {
  paths[`/v1/{division}/${path}`] = {
    parameters: [p("division")],
    get: { operationId, parameters: listParameters, responses: ok(`${schema}Page`) }
  }
}
list("system/Divisions", "Division", "listDivisions")
list("salesinvoice/SalesInvoices", "SalesInvoice", "listSalesInvoices")
list("salesinvoice/SalesInvoiceLines", "SalesInvoiceLine", "listSalesInvoiceLines")
list("bulk/SalesInvoice/SalesInvoices", "SalesInvoice", "bulkSalesInvoices")
list("bulk/SalesInvoice/SalesInvoiceLines", "SalesInvoiceLine", "bulkSalesInvoiceLines")
list("sync/SalesInvoice/SalesInvoices", "SyncSalesInvoice", "syncSalesInvoices")
list("purchase/PurchaseInvoices", "PurchaseInvoice", "listPurchaseInvoices")
list("purchase/PurchaseInvoiceLines", "PurchaseInvoiceLine", "listPurchaseInvoiceLines")
list("purchaseentry/PurchaseEntries", "PurchaseEntry", "listPurchaseEntries")
list("purchaseentry/PurchaseEntryLines", "PurchaseEntryLine", "listPurchaseEntryLines")
list("project/Projects", "Project", "listProjects")
list("crm/Accounts", "Account", "listAccounts")
list("logistics/Items", "Item", "listItems")
list("vat/VATCodes", "VATCode", "listVATCodes")
list("financial/GLAccounts", "GLAccount", "listGLAccounts")
list("cashflow/PaymentConditions", "PaymentCondition", "listPaymentConditions")
list("cashflow/Receivables", "Receivable", "listReceivables")
list("bulk/Cashflow/Receivables", "Receivable", "bulkReceivables")
list("salesentry/SalesEntries", "SalesEntry", "listSalesEntries")
list("salesentry/SalesEntryLines", "SalesEntryLine", "listSalesEntryLines")
list("documents/Documents", "Document", "listDocuments")
list("documents/DocumentAttachments", "DocumentAttachment", "listDocumentAttachments")
list("financial/FinancialPeriods", "FinancialPeriod", "listFinancialPeriods")
list("subscription/Subscriptions", "Subscription", "listSubscriptions")
list("subscription/SubscriptionLines", "SubscriptionLine", "listSubscriptionLines")

const create = (path, schema, operationId) => {
  paths[`/v1/{division}/${path}`].post = {
    operationId,
    parameters: [p("prefer")],
    requestBody: { required: true, content: { "application/json": { schema: ref(`${schema}Create`) } } },
    responses: ok(`${schema}Single`, 201)
  }
}
create("salesinvoice/SalesInvoices", "SalesInvoice", "createSalesInvoice")
create("crm/Accounts", "Account", "createAccount")
create("salesentry/SalesEntries", "SalesEntry", "createSalesEntry")
create("documents/Documents", "Document", "createDocument")
create("documents/DocumentAttachments", "DocumentAttachment", "createDocumentAttachment")
paths["/v1/{division}/salesinvoice/PrintedSalesInvoices"] = {
  parameters: [p("division")],
  post: {
    operationId: "processSalesInvoice",
    summary: "Process (print) a sales invoice: assigns its number and books the receivable.",
    parameters: [p("prefer")],
    requestBody: { required: true, content: { "application/json": { schema: ref("PrintedSalesInvoiceCreate") } } },
    responses: ok("PrintedSalesInvoiceSingle", 201)
  }
}
paths["/v1/{division}/salesinvoice/SalesInvoices(guid'{InvoiceID}')"] = {
  parameters: [
    p("division"),
    { name: "InvoiceID", in: "path", required: true, schema: { type: "string", format: "uuid" } }
  ],
  get: { operationId: "getSalesInvoice", parameters: [p("select"), p("expand")], responses: ok("SalesInvoiceSingle") }
}

const query = (name, description) => ({ name, in: "query", required: false, description, schema: { type: "string" } })
const document = {
  openapi: "3.1.0",
  info: {
    title: "Exact Online REST API (the subset psa-ledger uses)",
    version: "2022-03-23",
    description:
      "Written by the psa-ledger project from Exact Online's per-entity documentation. Not an official Exact document.",
    license: { name: "MIT", identifier: "MIT" }
  },
  servers: [{ url: "https://start.exactonline.nl/api", description: "Netherlands; other regions use their own host." }],
  security: [{ bearer: [] }],
  paths,
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    parameters: {
      division: { name: "division", in: "path", required: true, schema: { type: "integer" } },
      filter: query("$filter", "OData v2 filter: eq ne gt ge lt le and or, substringof, guid'…', datetime'…'."),
      select: query("$select", "Comma-separated field names; mandatory on bulk/ and sync/ endpoints."),
      expand: query("$expand", "Navigation properties to inline, e.g. SalesInvoiceLines."),
      orderby: query("$orderby", "Field name, optionally followed by asc or desc."),
      top: { name: "$top", in: "query", required: false, schema: { type: "integer" } },
      skiptoken: query("$skiptoken", "Set by Exact in __next; follow __next rather than building it."),
      inlinecount: query("$inlinecount", "allpages to receive __count."),
      prefer: {
        name: "Prefer",
        in: "header",
        required: false,
        description: "return=representation makes a POST return the created record.",
        schema: { type: "string" }
      }
    },
    headers,
    responses: {
      Error: { description: "An Exact error", content: { "application/json": { schema: ref("ODataError") } } },
      Forbidden: {
        description: "Forbidden; the Reason header says why (NoDivisionAccess, LicenseExpired, …).",
        headers: { Reason: { schema: { type: "string" } } },
        content: { "application/json": { schema: ref("ODataError") } }
      }
    },
    schemas
  }
}

writeFileSync(
  process.argv[2] ?? new URL("./exact.openapi.json", import.meta.url),
  `${JSON.stringify(document, null, 2)}\n`
)
