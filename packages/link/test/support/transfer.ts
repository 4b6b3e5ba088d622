/**
 * Flow B's Effects run as promises, as the link's promise API runs them (`runLink`: a failure
 * rejects with its `LinkError`), for tests that drive the engine without a link.
 */
import { runLink } from "../../src/internal/bridge.ts"
import * as Payments from "../../src/transfer/Payments.ts"
import * as Transfer from "../../src/transfer/Transfer.ts"

export const runTransfer = (...args: Parameters<typeof Transfer.runTransfer>) =>
  runLink("transfer.run", Transfer.runTransfer(...args))

export const previewTransfer = (...args: Parameters<typeof Transfer.previewTransfer>) =>
  runLink("transfer.preview", Transfer.previewTransfer(...args))

export const syncPayments = (...args: Parameters<typeof Payments.syncPayments>) =>
  runLink("transfer.syncPayments", Payments.syncPayments(...args))
