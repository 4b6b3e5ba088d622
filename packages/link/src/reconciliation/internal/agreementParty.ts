import type { ConnectWiseClient } from "@psa-ledger/connectwise-client"
import { Effect } from "effect"
import { fromPromise } from "../../internal/bridge.ts"
import { LinkError, LinkInvalidInputError } from "../../LinkError.ts"

/** The contact and currency a new agreement is posted with. */
export interface AgreementParty {
  readonly contact: { readonly id: number }
  readonly currency: { readonly id?: number; readonly currencyCode: string } | undefined
}

/**
 * Who and what currency a new agreement of a company gets: the caller's contact, else the
 * company's `defaultContact`, else its `billingContact` — ConnectWise refuses an agreement without
 * a contact, so with none this fails with `InvalidInput` naming `contactId` before anything is
 * sent. The currency is the row's; the company's currency reference is used when it is the same
 * code (ConnectWise resolves a currency by id).
 */
export const agreementParty = Effect.fn("link.reconciliation.agreementParty")(function* (
  client: ConnectWiseClient,
  companyId: number,
  currencyCode: string | undefined,
  preferredContact: number | undefined
): Effect.fn.Return<AgreementParty, LinkError> {
  const company = yield* fromPromise("GET /company/companies/{id}", (signal) =>
    client.get("/company/companies/{id}", { id: companyId }, { signal })
  )
  const contactId = preferredContact ?? company.defaultContact?.id ?? company.billingContact?.id
  if (contactId === undefined) {
    return yield* LinkError.of(
      new LinkInvalidInputError({
        record: `company ${companyId}`,
        field: "contactId",
        message:
          "a new agreement needs a contact: pass contactId, or give the company a default or billing contact in ConnectWise"
      })
    )
  }
  const code = currencyCode?.trim().toUpperCase()
  const companyCurrency = company.currency
  const currency =
    code === undefined || code === ""
      ? undefined
      : companyCurrency?.currencyCode?.toUpperCase() === code && typeof companyCurrency.id === "number"
        ? { id: companyCurrency.id, currencyCode: code }
        : { currencyCode: code }
  return { contact: { id: contactId }, currency }
})
