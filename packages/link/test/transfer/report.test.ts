import { makeMemoryRunStore, TransferPlan } from "@psa-ledger/reconcile-core"
import { describe, expect, it } from "vitest"
import { Jobs, type MailMessage, makeRunner } from "../../src/index.ts"
import { reportTransfer } from "../../src/link/transfer.ts"
import type { InvoiceTransferOutcome, TransferReport } from "../../src/transfer/Transfer.ts"

const outcomes: ReadonlyArray<InvoiceTransferOutcome> = [
  {
    status: "created",
    connectwiseInvoiceId: 1,
    number: "24001",
    kind: "invoice",
    exactInvoiceId: "e-1",
    processed: true
  },
  {
    status: "totalDiffers",
    connectwiseInvoiceId: 2,
    number: "24002",
    exactInvoiceId: "e-2",
    exactTotal: "1041.94",
    connectwiseTotal: "1041.93"
  },
  { status: "blocked", connectwiseInvoiceId: 3, number: "24003", reasons: ["closed period"], codes: ["ClosedPeriod"] }
]

const report: TransferReport = {
  runId: "run-1",
  invoices: outcomes,
  accountsCreated: [],
  counts: { created: 1, processed: 0, alreadyTransferred: 0, blocked: 1, failed: 0, totalDiffers: 1 },
  plan: new TransferPlan({ linkId: "link-1", operations: [], skipped: [], blocked: [] })
}

describe("a transfer's counts in the run and its mail", () => {
  it("counts totalDiffers in the run and the mail as in the summary; a blocked invoice is not a failure", async () => {
    const sent: Array<MailMessage> = []
    const runner = makeRunner({
      store: makeMemoryRunStore(),
      mailer: { enabled: true, send: async (message) => void sent.push(message) },
      ids: () => "run-1"
    })
    const result = await runner.run(
      { linkId: "link-1", job: Jobs.transfer, mailTo: ["finance@msp.example"] },
      async (ctx) => reportTransfer(ctx, report)
    )
    expect(result.status).toBe("succeeded")
    expect(result.run.counts).toMatchObject({ done: 1, blocked: 1, failed: 0, totalDiffers: 1 })
    expect(result.run.summary).toContain("blocked 1, failed 0, total differs 1")
    expect(result.run.summary).toContain("24002 (Exact 1041.94, ConnectWise 1041.93)")
    const [mail] = sent
    expect(mail?.subject).toContain("1 totalDiffers")
    expect(mail?.text).toContain("1 totalDiffers")
    expect(mail?.text).toContain("total differs 1")
    expect(mail?.text).not.toContain("1 failed")
  })
})
