/**
 * The PDF across a crash, in both modes: the child is killed (SIGKILL, through the numbering proxy)
 * after an entry or a sales invoice is booked and around the attachment of its ConnectWise PDF, and
 * restarted. The rerun sees the invoice as booked, so it is never booked (or printed) again; the
 * ledger's `pdfAttached: false` makes it attach the missing PDF — exactly once, whether the dead
 * child had sent nothing, only the document, or the document and its file — under the attachment's
 * own journal entry, so the journal ends as after an uninterrupted run.
 */
import { afterAll, describe, expect, it } from "vitest"
import type { KillMoment } from "./killer.ts"
import { type RunOutcome, runFlow, tempDir } from "./runs.ts"

// Child processes and a real HTTP server: a limit for a loaded two-core box, not a target.
const TIMEOUT_MS = 300_000
const temp = tempDir()
afterAll(() => temp.remove())

type Flow = "transfer-entry" | "transfer"
const references = new Map<Flow, Promise<RunOutcome>>()
const referenceRun = (flow: Flow) => {
  let reference = references.get(flow)
  if (reference === undefined) {
    reference = runFlow(flow, temp.dir, `pdf-reference-${flow}`, [])
    references.set(flow, reference)
  }
  return reference
}

/** The number of the first forwarded write that is `request` (e.g. `POST documents/Documents`). */
const firstWrite = (outcome: RunOutcome, request: string): number => {
  const write = outcome.writeLog.find((w) => w.request.includes(request))
  if (write === undefined) throw new Error(`the reference run sent no ${request}`)
  return write.write
}

const once = (outcome: RunOutcome) =>
  Object.fromEntries(Object.keys(outcome.documents).map((ref) => [ref, { documents: 1, attachments: 1 }]))

const bookings = (flow: Flow) =>
  flow === "transfer" ? "POST salesinvoice/SalesInvoices" : "POST salesentry/SalesEntries"

for (const flow of ["transfer-entry", "transfer"] as const) {
  const mode = flow === "transfer" ? "invoice mode" : "entry mode"
  describe(`kill: the PDF of a booked invoice, ${mode}`, () => {
    it(
      "the uninterrupted run attaches one PDF per booking and records it in the ledger",
      async () => {
        const ref = await referenceRun(flow)
        expect(ref.report.counts.failed).toBe(0)
        expect(Object.keys(ref.documents).length).toBeGreaterThan(0)
        expect(Object.keys(ref.documents)).not.toContain("unlinked")
        expect(ref.documents).toEqual(once(ref))
        expect(ref.storage.ledger.every((r) => r.pdfAttached === true)).toBe(true)
      },
      TIMEOUT_MS
    )

    const cases: ReadonlyArray<{ name: string; request: string; moment: KillMoment }> = [
      { name: "before the document POST (booked, nothing attached)", request: "documents/Documents", moment: "before" },
      {
        name: "after the document POST landed (a document without its file)",
        request: "documents/Documents",
        moment: "answered"
      },
      {
        name: "after the attachment POST landed (attached, the ledger not told)",
        request: "documents/DocumentAttachments",
        moment: "answered"
      }
    ]
    for (const { name, request, moment } of cases) {
      it(
        `killed ${name}: the rerun attaches exactly one PDF and books nothing twice`,
        async () => {
          const ref = await referenceRun(flow)
          const write = firstWrite(ref, request)
          const killed = await runFlow(flow, temp.dir, `pdf-${flow}-${moment}-${request.replace(/\W/g, "")}`, [
            { write, moment }
          ])
          expect(killed.kills).toHaveLength(1)
          expect(killed.attempts).toBe(2)
          expect(killed.report.counts.failed).toBe(0)
          // Every invoice booked (and printed) once, and each with exactly one document of ours
          // holding exactly one file.
          expect(killed.requests.exact[bookings(flow)]).toBe(ref.requests.exact[bookings(flow)])
          expect(killed.requests.exact["POST salesinvoice/PrintedSalesInvoices"]).toBe(
            ref.requests.exact["POST salesinvoice/PrintedSalesInvoices"]
          )
          expect(killed.documents).toEqual(ref.documents)
          expect(killed.storage.ledger).toEqual(ref.storage.ledger)
          expect(killed.storage.journal).toEqual(ref.storage.journal)
          // The one invoice the dead child left is caught up by the rerun, reported as such.
          const caughtUp = killed.report.outcomes.filter((o) => o.status === "alreadyTransferred")
          expect(caughtUp).toHaveLength(1)
        },
        TIMEOUT_MS
      )
    }
  })
}
