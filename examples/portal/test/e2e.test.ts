// The portal in a real headless Chromium against the server on the sandbox world, started by the
// same builder as `npm start`: sign in, load the newest month, link a suggested customer through the
// picker, approve rows by selection and one by its checkbox, apply with live progress, and check in
// the sandbox's ConnectWise that exactly the approved changes were made.
import { existsSync, mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { GridEntry } from "../src/app/api.ts"
import { DEMO_LINK, DEMO_USERS, type PortalWorld, startPortalWorld } from "../src/server/world.ts"
import { CHROMIUM, launch, seriousViolations } from "./browser.ts"

const dist = fileURLToPath(new URL("../dist/", import.meta.url))
const shots = fileURLToPath(new URL("../screenshots/", import.meta.url))

/** A decimal as a canonical string (`16.640` → `16.64`), whatever type the simulation stored. */
const canon = (value: unknown): string => {
  // The simulation keeps ConnectWise's numbers as written ({ text }), so nothing is lost to floats.
  const text =
    typeof value === "object" && value !== null && "text" in value
      ? String((value as { text: unknown }).text)
      : String(value)
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text
}

let world: PortalWorld
let browser: Awaited<ReturnType<typeof launch>>
let page: Page

const api = <A>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: A }> =>
  page.evaluate(
    async ({ path, init }) => {
      const session = await fetch("/api/v1/session").then((r) => r.json())
      const r = await fetch(`/api/v1${path}`, {
        method: init?.method ?? "GET",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken ?? "" },
        ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) })
      })
      return { status: r.status, body: await r.json().catch(() => null) }
    },
    { path, init }
  )

const signIn = async (user: { readonly username: string; readonly password: string }) => {
  await page.goto(`${world.url}/`)
  await page.getByLabel("User name").fill(user.username)
  await page.getByLabel("Password").fill(user.password)
  await page.getByRole("button", { name: "Sign in" }).click()
  await page.getByRole("heading", { name: "Reconciliation" }).waitFor()
}

const additions = () =>
  new Map(
    world.sandbox.connectwise.store
      .all("additions")
      .map((a) => [a.id as number, { quantity: canon(a.quantity), unitCost: canon(a.unitCost), record: a }])
  )

// Under CI the browser is installed by .ci/browser.sh: a missing one fails there instead of skipping.
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")("the portal in Chromium", () => {
  beforeAll(async () => {
    if (!existsSync(`${dist}/index.html`)) throw new Error("the portal is not built: run `npm run build` first")
    mkdirSync(shots, { recursive: true })
    // PORTAL_E2E_CUSTOMERS=850 gives a month of about 5,000 lines, to measure the grid (not a timed assertion).
    const customers = process.env.PORTAL_E2E_CUSTOMERS
    world = await startPortalWorld({
      assetsDir: dist,
      ...(customers === undefined ? {} : { customers: Number(customers) })
    })
    browser = await launch()
    page = await browser.context.newPage()
    // Limits that only stop a hung step: CI shares two cores with every other package's tests.
    page.setDefaultTimeout(120_000)
  })
  afterAll(async () => {
    await browser?.close()
    await world?.close()
  })

  it("signs in, links, approves and applies a month; ConnectWise changes exactly as approved", async () => {
    await page.goto(`${world.url}/`)
    await page.getByRole("heading", { name: "Sign in to psa-ledger" }).waitFor()
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/sign-in.png` })
    await signIn(DEMO_USERS.finance)

    const months = (await api<{ months: Array<string> }>(`/links/${DEMO_LINK}/months`)).body.months
    const month = months[0] ?? ""
    await expect(page.getByLabel("Month").inputValue()).resolves.toBe(month)
    await page.getByRole("button", { name: "Load invoice" }).click()
    await page.locator(".ag-row").first().waitFor()
    const measured = await page.evaluate(() => {
      const [data] = performance.getEntriesByName("grid-data")
      const [shown] = performance.getEntriesByName("grid-interactive")
      return data !== undefined && shown !== undefined ? shown.startTime - data.startTime : -1
    })
    const grid = (await api<{ rows: Array<GridEntry> }>(`/links/${DEMO_LINK}/months/${month}/grid?limit=1000`)).body
      .rows
    const lines = grid.reduce((n, e) => n + e.row.lines.length, 0)
    console.warn(
      `portal e2e: grid interactive ${Math.round(measured)} ms after its data arrived (${lines} lines in the first page)`
    )
    const unlinked = grid.filter((e) => e.state === "unlinked").length
    await expect(page.getByTestId("count-unlinked").textContent()).resolves.toBe(String(unlinked))
    expect(await seriousViolations(page)).toEqual([])

    // Link a suggested customer through the picker.
    const suggested = grid.find(
      (e) => e.state === "unlinked" && e.row.customerResolution._tag === "Suggested" && e.row.deviations.length > 0
    )
    if (suggested === undefined || suggested.row.customerResolution._tag !== "Suggested") {
      throw new Error("the sandbox month has no row with a suggested customer")
    }
    const candidate = suggested.row.customerResolution.candidates[0]?.targetId ?? 0
    const search = page.getByLabel("Search", { exact: true })
    await search.fill(suggested.row.customer.name ?? "")
    const row = page.locator(`.ag-row[row-id="${suggested.row.key}"]`)
    // By keyboard: focus the row's customer cell, move right to the ConnectWise company chip, Enter.
    await row.locator('[col-id="customer-name"]').click()
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("Enter")
    await page
      .getByRole("dialog")
      .getByRole("button", { name: `Use #${candidate} ` })
      .click()
    await expect(row.locator('[col-id="customer"] button').textContent()).resolves.toContain(`#${candidate} · chosen`)
    // …and approve that row by its checkbox.
    await row.locator('[col-id="approve"] input').check()
    await search.fill("")

    // Approve every deviation by selection.
    await page.getByRole("button", { name: /^Deviations \(/ }).click()
    const deviations = grid.filter((e) => e.state === "deviation")
    await page.locator(".ag-header-select-all").click()
    await expect(page.getByText(`${deviations.length} selected`).count()).resolves.toBe(1)
    await page.getByRole("button", { name: "Approve selected" }).click()
    await page.getByText("All decisions saved").waitFor()
    await expect(page.getByTestId("count-approved").textContent()).resolves.toBe(String(deviations.length + 1))
    await page.screenshot({ path: `${shots}/grid.png` })

    const before = additions()
    // What the approvals amount to, read from the server before the confirmation is shown.
    type Op = { _tag: string; rowKeys: Array<string>; additionId?: number; to?: string; quantity?: string }
    const planned = (
      await api<{ plan: { operations: Array<Op> } }>(`/links/${DEMO_LINK}/months/${month}/plan`, { method: "POST" })
    ).body.plan.operations
    const approvedKeys = new Set([...deviations, suggested].map((e) => e.row.key))
    const changes = planned.filter((op) => op._tag !== "RememberMapping")
    expect(changes.length).toBeGreaterThan(0)
    for (const op of changes) {
      // A cancellation of an addition nobody invoiced is its own row (`addition|id`).
      for (const key of op.rowKeys) expect(approvedKeys.has(key) || key.startsWith("addition|"), key).toBe(true)
    }
    await page.getByRole("button", { name: /^Review and apply/ }).click()
    const dialog = page.getByRole("dialog")
    await dialog.getByRole("button", { name: `Apply ${planned.length} changes` }).waitFor()
    await page.screenshot({ path: `${shots}/apply-preview.png` })
    await dialog.getByRole("button", { name: `Apply ${planned.length} changes` }).click()
    const result = page.getByTestId("apply-result")
    await result.waitFor()
    await page.screenshot({ path: `${shots}/apply-result.png` })
    expect(await result.getAttribute("data-status")).toBe("succeeded")

    // The sandbox's ConnectWise: each planned change made, no other addition touched.
    const after = additions()
    const touched = new Set<number>()
    for (const op of changes) {
      if (op.additionId !== undefined) touched.add(op.additionId)
      const now = op.additionId === undefined ? undefined : after.get(op.additionId)
      if (op._tag === "UpdateAdditionQuantity") expect(now?.quantity, JSON.stringify(op)).toBe(canon(op.to))
      if (op._tag === "UpdateAdditionUnitCost") expect(now?.unitCost, JSON.stringify(op)).toBe(canon(op.to))
      if (op._tag === "CancelAddition") expect(now?.record.cancelledDate, JSON.stringify(op)).toBeTruthy()
    }
    const changed = [...before].filter(([id, a]) => JSON.stringify(after.get(id)?.record) !== JSON.stringify(a.record))
    expect(changed.map(([id]) => id).filter((id) => !touched.has(id))).toEqual([])
    expect(after.size - before.size).toBe(changes.filter((op) => op._tag === "AddAddition").length)

    // Loading the month again shows only what still needs a person.
    await dialog.getByRole("button", { name: "Load the month again" }).click()
    await page.locator(".ag-row").first().waitFor()
    await page.getByText("All decisions saved").waitFor()
    const reloaded = (await api<{ rows: Array<GridEntry> }>(`/links/${DEMO_LINK}/months/${month}/grid?limit=1000`)).body
      .rows
    const fixed = new Set(changes.flatMap((op) => op.rowKeys))
    expect(reloaded.filter((e) => fixed.has(e.row.key) && e.state !== "ok").map((e) => e.row.key)).toEqual([])
    const relinked = reloaded.find((e) => e.row.customer.key === suggested.row.customer.key)
    expect(relinked?.row.customerResolution).toMatchObject({ _tag: "Mapped", targetId: candidate })
    const left = reloaded.filter((e) => e.state === "deviation").length
    await page.getByRole("button", { name: `Deviations (${left})` }).waitFor()

    // Create a missing agreement from the grid: the company is linked, it has no active agreement.
    const lacking = reloaded.find(
      (e) =>
        e.row.agreementResolution._tag === "Missing" &&
        (e.row.customerResolution._tag === "Matched" || e.row.customerResolution._tag === "Mapped")
    )
    if (lacking === undefined) throw new Error("the sandbox month has no company without an agreement")
    const company =
      lacking.row.customerResolution._tag === "Matched" || lacking.row.customerResolution._tag === "Mapped"
        ? lacking.row.customerResolution.targetId
        : 0
    const agreementsOf = () =>
      world.sandbox.connectwise.store
        .all("agreements")
        .filter((a) => (a.company as { id?: number } | undefined)?.id === company)
    const agreementsBefore = agreementsOf().length
    await page.getByRole("button", { name: /^All rows \(/ }).click()
    await search.fill(lacking.row.customer.name ?? "")
    const lackingRow = page.locator(`.ag-row[row-id="${lacking.row.key}"]`)
    await lackingRow.locator('[col-id="agreement"] button').click()
    await page.getByRole("dialog").getByRole("button", { name: "Create agreement…" }).click()
    await page.waitForFunction(
      () => document.querySelector("dialog") === null || document.querySelector("dialog [role=alert]") !== null
    )
    expect(await page.locator("dialog [role=alert]").allTextContents()).toEqual([])
    await page.locator(".ag-row").first().waitFor()
    expect(agreementsOf().length).toBe(agreementsBefore + 1)
    await expect(lackingRow.locator('[col-id="agreement"] button').textContent()).resolves.not.toContain("none")
    await search.fill("")
  })

  it("transfers a month's invoices to Exact Online", async () => {
    await page.getByRole("link", { name: "Transfer" }).click()
    await page.getByRole("heading", { name: "Transfer invoices to Exact Online" }).waitFor()
    const period = world.sandbox.world.meta.latestPeriod
    const [year, mon] = period.split("-").map(Number) as [number, number]
    const next = mon === 12 ? `${year + 1}-01` : `${year}-${String(mon + 1).padStart(2, "0")}`
    await page.getByLabel("From").fill(`${period}-01`)
    await page.getByLabel("Until (not included)").fill(`${next}-01`)
    await page.getByRole("button", { name: "Preview" }).click()
    await page.getByRole("heading", { name: /^Ready \(/ }).waitFor()
    const numbers = (await page.getByTestId("ready").locator("tbody tr td:first-child").allTextContents()).sort()
    expect(numbers.length).toBeGreaterThan(0)
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/transfer-preview.png` })

    const division = world.sandbox.credentials.exact.division
    const refs = () =>
      new Set(
        [
          ...world.sandbox.exact.records(division, "SalesInvoices"),
          ...world.sandbox.exact.records(division, "SalesEntries")
        ].map((r) => String(r.YourRef ?? ""))
      )
    const before = refs()
    expect(numbers.filter((n) => before.has(n))).toEqual([])
    await page.getByRole("button", { name: `Transfer ${numbers.length} invoices` }).click()
    const result = page.getByTestId("transfer-result")
    await result.waitFor()
    expect(await result.getAttribute("data-status")).toBe("succeeded")
    // In the sandbox's Exact Online: one sales invoice per ConnectWise invoice the preview listed.
    const after = refs()
    expect(numbers.filter((n) => !after.has(n))).toEqual([])
    expect(after.size - before.size).toBe(numbers.length)
    // The preview again: everything is already transferred.
    await page.getByRole("heading", { name: "Ready (0)" }).waitFor()
    await page.screenshot({ path: `${shots}/transfer-result.png` })
  })

  it("shows every run and its log", async () => {
    await page.getByRole("link", { name: "Runs" }).click()
    await page.getByRole("heading", { name: "Runs" }).waitFor()
    const runs = (await api<Array<{ id: string; job: string }>>(`/links/${DEMO_LINK}/runs`)).body
    expect(runs.length).toBeGreaterThan(0)
    for (const run of runs) await page.locator(`[data-run="${run.id}"]`).waitFor()
    await page
      .locator(`[data-run="${runs[0]?.id}"]`)
      .getByRole("button", { name: /^Show log/ })
      .click()
    await page.locator(".loglines li").first().waitFor()
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/runs.png` })

    await page.getByRole("link", { name: "Links" }).click()
    await page.getByRole("heading", { name: "Demo MSP" }).waitFor()
    expect(await page.getByRole("button", { name: "Test connections" }).count()).toBe(0)
    expect(await seriousViolations(page)).toEqual([])
  })

  it("an administrator tests both connections on the links page", async () => {
    await page.getByRole("button", { name: "Sign out" }).click()
    await signIn(DEMO_USERS.admin)
    await page.getByRole("link", { name: "Links" }).click()
    await page.getByRole("button", { name: "Test connections" }).click()
    await page.getByLabel("Connections").waitFor()
    expect(await page.getByLabel("Connections").locator(".good").count()).toBe(2)
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/links.png` })
  })

  it("a viewer sees the month but cannot apply", async () => {
    await page.getByRole("button", { name: "Sign out" }).click()
    await page.getByRole("heading", { name: "Sign in to psa-ledger" }).waitFor()
    await signIn(DEMO_USERS.viewer)
    await page.locator(".ag-row").first().waitFor()
    expect(await page.getByRole("button", { name: /^Review and apply/ }).count()).toBe(0)
    const months = (await api<{ months: Array<string> }>(`/links/${DEMO_LINK}/months`)).body.months
    const refused = await api(`/links/${DEMO_LINK}/months/${months[0]}/apply`, { method: "POST", body: { version: 1 } })
    expect(refused.status).toBe(403)
  })
})
