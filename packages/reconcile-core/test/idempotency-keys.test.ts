import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import {
  addAdditionSource,
  attachPdfKey,
  cancelAdditionSource,
  createAccountKey,
  createAgreementSource,
  createProductSource,
  keyOf,
  rememberMappingSource,
  replaceAdditionSource,
  salesEntryCreateKey,
  salesInvoiceCreateKey,
  salesInvoiceProcessKey,
  updatePriceSource,
  updateQuantitySource
} from "../src/IdempotencyKeys.ts"
import { Created, dec, Existing } from "../src/index.ts"
import { sha256Hex, sha256HexPortable } from "../src/internal/sha256.ts"

// Stored plans and journals are keyed by these strings: a key that changes is a second effect on
// a resumed or re-applied plan. The values were recorded on main before the core was made fast
// (issue 20); none may change without a data migration.
const period = { start: "2026-11-01", end: "2026-11-30" }
const invoice = { id: 7, number: "INV-7", date: "2026-12-01" }

describe("idempotency keys", () => {
  it("are the recorded ones for every operation kind", () => {
    const keys = {
      createProduct: keyOf(createProductSource("link-1", period, "item-Ü", "BP-1")),
      createAgreement: keyOf(createAgreementSource("link-1", period, 250, 3, "EUR")),
      addAddition: keyOf(
        addAdditionSource(
          "link-1",
          period,
          new Existing({ id: 500 }),
          new Created({ opKey: "CreateProduct:abc" }),
          dec("5.50")
        )
      ),
      updateQuantity: keyOf(updateQuantitySource("link-1", period, 900, dec("12.0"))),
      updateUnitCost: keyOf(updatePriceSource("unitCost", "link-1", period, 900, dec("18.70"))),
      updateUnitPrice: keyOf(updatePriceSource("unitPrice", "link-1", period, 900, dec("25"))),
      cancel: keyOf(cancelAdditionSource("link-1", period, 901, "2026-10-31")),
      replace: keyOf(replaceAdditionSource("link-1", period, 901, dec("3"), dec("4.00"))),
      rememberCustomer: keyOf(
        rememberMappingSource("link-1", period, "customer", 'acc-"1"\\é😀', undefined, new Existing({ id: 250 }))
      ),
      rememberAgreement: keyOf(
        rememberMappingSource(
          "link-1",
          period,
          "agreement",
          "acc-1",
          "item-1",
          new Created({ opKey: "CreateAgreement:def" })
        )
      ),
      createAccount: createAccountKey("link-1", 250, "C100"),
      salesInvoiceCreate: salesInvoiceCreateKey("link-1", invoice),
      salesInvoiceProcess: salesInvoiceProcessKey("link-1", invoice),
      salesEntryCreate: salesEntryCreateKey("link-1", invoice, 20260007),
      attachPdf: attachPdfKey("link-1", invoice)
    }
    assert.deepStrictEqual(keys, {
      createProduct: "CreateProduct:9d6fd284ac6de3e004681b876f332f6dedb44bded8a29c91542378c045959c3a",
      createAgreement: "CreateAgreement:339c5fd2d95766966eaa879e59441de4fb50c9e34bafc5b1836e0e01fdc72f5d",
      addAddition: "AddAddition:c095911d3e62b4647df72992ceb8f66f3819255d26323f410f51f241b3ab02f0",
      updateQuantity: "UpdateAdditionQuantity:3e8ce501e42c9182b86a451a31f1ff88f4982ee7738b6f8bf4567b1670345e82",
      updateUnitCost: "UpdateAdditionUnitCost:873dd2ddf1d2a947a750e3ca58cc6877ce01f95fdd7bd9e6a66cc15f01256940",
      updateUnitPrice: "UpdateAdditionUnitPrice:0a7a04fa638f6bacd8715af7aef06f67eee0d1023b81797986cf552df20d8631",
      cancel: "CancelAddition:93ba67d12141cb114805bcc77cacdb5ba7c37062e9c80696642ccf7713004430",
      replace: "AddAddition:43ea0f48c06604b94c6449a5f36cbc9a30809d851cda19923c0845b7dc6eba30",
      rememberCustomer: "RememberMapping:3580def3d7d0b08a280e66245cb96c6d49dcef25a6ca87c27d7803e5803ce209",
      rememberAgreement: "RememberMapping:10ba81981a4b7169732f0b79c45a02281b520768c900a8a0f648d9f30d1044fc",
      createAccount: "CreateAccount:c3be43f89c5614cb59d933b96f4c7dd3b589b76f563326d27e3891835d7a0fcd",
      salesInvoiceCreate: "CreateSalesInvoice:8c6a458b4720affbb512f08ba5a8a0fb2c187dec1caa41a96f14162518c8b6a9",
      salesInvoiceProcess: "ProcessSalesInvoice:d7a6fd9ef4e1eca5d63a8faa1c181de8a5e16e412b257ac2076ecf50a00767cf",
      salesEntryCreate: "CreateSalesEntry:eef5193714e8ec564cc4c90137cd6413bef9018aaaaf2d430c6bc892d769547a",
      attachPdf: "AttachPdf:b3bab024b6a873fbd497836c558d2de1dab75dd121490ca4440279fbfaba4f09"
    })
  })

  it("hash the source text with SHA-256, as the platform's implementation does", () => {
    const platform = (text: string) => createHash("sha256").update(text, "utf8").digest("hex")
    // What a browser runs (no node:crypto) must give the keys Node gives.
    assert.strictEqual(sha256Hex("abc"), sha256HexPortable("abc"))
    // FIPS 180-4 examples, the empty text, and lengths around the one- and two-block padding edges.
    assert.strictEqual(sha256HexPortable("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert.strictEqual(sha256HexPortable(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    for (const length of [1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1_000, 70_000]) {
      const text = "a€😀".repeat(length).slice(0, length)
      assert.strictEqual(sha256HexPortable(text), platform(text), `length ${length}`)
    }
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 300 }),
        (text) => sha256HexPortable(text) === platform(text) && sha256Hex(text) === platform(text)
      ),
      { numRuns: 2_000 }
    )
    // A lone surrogate is encoded as U+FFFD, as TextEncoder (and Node's utf8) encode it.
    assert.strictEqual(sha256HexPortable("a\ud800b"), platform("a\ud800b"))
    assert.strictEqual(sha256Hex("a\ud800b"), platform("a\ud800b"))
  })
})
