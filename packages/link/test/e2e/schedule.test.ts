import { LinkSettings, TransferSettings } from "@psa-ledger/reconcile-core"
import type { World } from "@psa-ledger/sandbox"
import { BigDecimal } from "effect"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { createLink, Jobs, type LinkApi, type SchedulableLink, type SchedulerEvent } from "../../src/index.ts"
import { inProcessScheduler, type Scheduler } from "../../src/schedule/index.ts"
import { smtpMailer } from "../../src/smtp/index.ts"
import { startSmtpServer, type TestSmtpServer } from "../support/smtp.ts"
import { memoryStores, type OpenSandbox, openSandbox, settingsFor, smallWorld, source } from "./sandbox.ts"

const PASSWORD = "smtp-schedule-S3cret"
let smtp: TestSmtpServer

beforeAll(async () => {
  smtp = await startSmtpServer(PASSWORD)
})
afterAll(() => smtp.close())

let sandbox: OpenSandbox | undefined
let scheduler: Scheduler | undefined
beforeEach(() => {
  smtp.received.length = 0
})
afterEach(async () => {
  await scheduler?.stop({ abort: true })
  await sandbox?.server.close()
  scheduler = undefined
  sandbox = undefined
})

const norm = (text: string) => BigDecimal.format(BigDecimal.normalize(BigDecimal.fromStringUnsafe(text)))

/** A link on the sandbox world with both flows set up, mailing every run through the SMTP server. */
const open = async (extra: Partial<ConstructorParameters<typeof LinkSettings>[0]> = {}) => {
  const world = smallWorld()
  sandbox = await openSandbox(world)
  const { taxCodes, billingTerms } = world.truth.links
  const identifierOf = new Map(world.connectwise.taxCodes.map((t) => [t.id, t.identifier]))
  let run = 0
  const link = createLink({
    id: "msp-1",
    name: "Sandbox MSP",
    exact: sandbox.exact,
    connectwise: sandbox.connectwise,
    storage: memoryStores(),
    settings: new LinkSettings({
      ...settingsFor(world),
      transfer: new TransferSettings({
        mode: "invoice",
        journal: "70",
        vatCodes: Object.fromEntries(taxCodes.map((t) => [identifierOf.get(t.taxCodeId) ?? "", t.vatCode])),
        paymentConditions: Object.fromEntries(billingTerms.map((b) => [String(b.billingTermsId), b.paymentCondition]))
      }),
      ...extra
    }),
    source,
    now: () => sandbox!.clock.now(),
    ids: () => `run-${++run}`,
    mailer: smtpMailer({
      host: "127.0.0.1",
      port: smtp.port,
      auth: { user: "ledger", pass: PASSWORD },
      from: "ledger@msp.example"
    }),
    mailTo: "finance@msp.example",
    agreementContact: () => 1
  })
  await sandbox.connect(link)
  await rememberAsTheTruthSays(world, link)
  return { world, link, sandbox }
}

/** The links flow A remembered earlier (the transfer links customers by identifier or mapping only). */
const rememberAsTheTruthSays = async (world: World, link: LinkApi) => {
  for (const company of world.truth.links.companies) {
    if (company.evidence !== "identifier" && company.companyId !== null)
      await link.mappings.set({ kind: "customer", sourceKey: company.accountId }, company.companyId)
  }
  for (const item of world.truth.links.items) {
    if (item.evidence !== "identifier" && item.catalogItemId !== "create")
      await link.mappings.set({ kind: "product", sourceKey: item.itemId }, item.catalogItemId)
  }
}

/** Resolves with the scheduler's first event of a tag. */
const eventsOf = () => {
  const events: Array<SchedulerEvent> = []
  const waiters: Array<{ tag: SchedulerEvent["_tag"]; resolve: (event: SchedulerEvent) => void }> = []
  const onEvent = (event: SchedulerEvent) => {
    events.push(event)
    for (const waiter of waiters.filter((w) => w.tag === event._tag)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(event)
    }
  }
  const next = (tag: SchedulerEvent["_tag"]) =>
    new Promise<SchedulerEvent>((resolve) => {
      const seen = events.find((event) => event._tag === tag)
      if (seen !== undefined) resolve(seen)
      else waiters.push({ tag, resolve })
    })
  return { events, onEvent, next }
}

describe("scheduled runs of a link from createLink (croner in process, sandbox world, SMTP)", () => {
  it("a cron-scheduled transfer is a run: listed, its log readable, mailed", async () => {
    const { world, link } = await open()
    const { events, onEvent, next } = eventsOf()
    scheduler = inProcessScheduler({ onEvent })
    // Every second; stopped as soon as the first occurrence has finished.
    const job = scheduler.schedule(link, { cron: "* * * * * *", job: Jobs.transfer })
    expect(job.nextRun()?.getTime()).toBeLessThanOrEqual(Date.now() + 1_000)
    const finished = await next("Finished")
    job.stop()
    expect(finished).toEqual({ _tag: "Finished", linkId: "msp-1", job: Jobs.transfer, status: "succeeded" })
    expect(job.nextRun()).toBeUndefined()

    // The previous calendar month of the link's clock (2025-04-02): the world's latest month.
    const period = world.truth.months.at(-1)!.period
    const expected = world.connectwise.invoices.filter((invoice) => invoice.date.slice(0, 7) === period)
    const runs = await link.runs.list()
    expect(runs.map((run) => [run.id, run.job, run.trigger, run.status])).toEqual([
      ["run-1", Jobs.transfer, "schedule", "succeeded"]
    ])
    expect(events.filter((event) => event._tag === "Started")).toHaveLength(1)
    const division = sandbox!.server.credentials.exact.division
    const numbers = new Set(expected.map((invoice) => invoice.invoiceNumber))
    const created = sandbox!.server.exact
      .records(division, "SalesInvoices")
      .map((record) => String(record.YourRef ?? "").trim())
      .filter((ref) => numbers.has(ref))
    expect(created.sort()).toEqual([...numbers].sort())
    const text = await link.runs.log("run-1").text()
    expect(text).toContain("transfer.run started")
    expect(text).toContain(`invoice ${expected[0]!.invoiceNumber} created`)

    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]!.to).toEqual(["finance@msp.example"])
    expect(smtp.received[0]!.raw).toContain(`Created ${expected.length}, processed 0,`)
    expect(smtp.received[0]!.raw).toContain("filename=run-run-1.log")
    expect(smtp.received[0]!.raw).not.toContain(PASSWORD)
  })

  it("a scheduled apply applies only what the settings auto-approve (quantities here)", async () => {
    const { world, link } = await open({ autoApprove: ["updateQuantity"] })
    const truth = world.truth.months.at(-1)!
    const additionsBefore = structuredClone(sandbox!.server.connectwise.store.all("additions"))
    const { onEvent } = eventsOf()
    scheduler = inProcessScheduler({ onEvent })
    const job = scheduler.schedule(link, { cron: "0 6 1 * *", job: Jobs.apply })
    await job.fire()

    const [run] = await link.runs.list()
    expect([run?.job, run?.trigger, run?.status]).toEqual([Jobs.apply, "schedule", "succeeded"])
    const additions = sandbox!.server.connectwise.store.all("additions")
    const byId = new Map(additions.map((a) => [a.id as number, a]))
    const quantityOff = truth.deviations.filter((d) => d.kind === "quantityOff")
    expect(quantityOff.length).toBeGreaterThan(0)
    for (const d of quantityOff) expect(norm(String(byId.get(d.additionId)?.quantity))).toBe(norm(d.invoiceQuantity))
    // Costs, missing additions and cancellations need a human: untouched.
    for (const d of truth.deviations) {
      if (d.kind === "unitCostOff")
        expect(norm(String(byId.get(d.additionId)?.unitCost))).toBe(norm(d.additionUnitCost))
      if (d.kind === "additionNotInvoiced") expect(byId.get(d.additionId)?.cancelledDate ?? null).toBeNull()
    }
    expect(additions).toHaveLength(additionsBefore.length)
    const changed = additions.filter((a) => {
      const before = additionsBefore.find((b) => b.id === a.id)
      return (
        JSON.stringify({ ...before, quantity: undefined, _info: undefined, lastUpdated: undefined }) !==
        JSON.stringify({ ...a, quantity: undefined, _info: undefined, lastUpdated: undefined })
      )
    })
    expect(changed.map((a) => a.id)).toEqual([])
    const writes = Object.entries(sandbox!.server.connectwise.requests.snapshot()).filter(
      ([key]) => !key.startsWith("GET")
    )
    expect(writes.map(([key]) => key).every((key) => key.includes("/additions"))).toBe(true)
    expect(smtp.received).toHaveLength(1)
  })

  it("overlapping occurrences for one link never run at once: skipped, or queued and run after", async () => {
    const { link } = await open()
    let running = 0
    let most = 0
    const watched: SchedulableLink = {
      id: link.id,
      run: async (job, options) => {
        running++
        most = Math.max(most, running)
        try {
          return await link.run(job, options)
        } finally {
          running--
        }
      }
    }
    const skip = eventsOf()
    scheduler = inProcessScheduler({ onEvent: skip.onEvent })
    const transfer = scheduler.schedule(watched, { cron: "0 6 * * *", job: Jobs.transfer })
    const payments = scheduler.schedule(watched, { cron: "0 7 * * *", job: Jobs.syncPayments })
    await Promise.all([transfer.fire(), payments.fire(), transfer.fire()])
    expect(skip.events.map((event) => event._tag)).toEqual(["Started", "Skipped", "Skipped", "Finished"])
    expect(most).toBe(1)
    expect((await link.runs.list()).map((run) => run.job)).toEqual([Jobs.transfer])
    await scheduler.stop()

    const queue = eventsOf()
    scheduler = inProcessScheduler({ overlap: "queue", onEvent: queue.onEvent })
    const transfer2 = scheduler.schedule(watched, { cron: "0 6 * * *", job: Jobs.transfer })
    const payments2 = scheduler.schedule(watched, { cron: "0 7 * * *", job: Jobs.syncPayments })
    await Promise.all([transfer2.fire(), payments2.fire()])
    expect(queue.events.map((event) => event._tag)).toEqual(["Started", "Queued", "Finished", "Started", "Finished"])
    expect(most).toBe(1)
    const runs = await link.runs.list()
    expect(runs.map((run) => [run.job, run.trigger])).toEqual([
      [Jobs.syncPayments, "schedule"],
      [Jobs.transfer, "schedule"],
      [Jobs.transfer, "schedule"]
    ])
    expect(await link.runs.log(runs[0]!.id).text()).toContain("queued behind transfer.run")
  })
})
