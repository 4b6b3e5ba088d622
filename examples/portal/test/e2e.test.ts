// The portal in a real headless Chromium against the server on the sandbox world, started by the
// same builder as `npm start`: sign in, load the newest month, link a suggested customer through the
// picker, approve rows by selection and one by its checkbox, apply with live progress, and check in
// the sandbox's ConnectWise that exactly the approved changes were made.
import { existsSync, mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { GridEntry } from "../src/app/api.ts"
import { formatScheduled } from "../src/app/format.ts"
import { MAIL_LABELS } from "../src/app/Runs.tsx"
import {
  DEMO_LINK,
  DEMO_USERS,
  type PortalWorld,
  SANDBOX_MOUNT,
  sandboxLinkConfig,
  startPortalWorld
} from "../src/server/world.ts"
import { CHROMIUM, launch, seriousViolations } from "./browser.ts"

const dist = fileURLToPath(new URL("../dist/", import.meta.url))
const shots = fileURLToPath(new URL("../screenshots/", import.meta.url))

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

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
    // E2E_STEP_MS shortens it when debugging a step that waits for something that never comes.
    page.setDefaultTimeout(Number(process.env.E2E_STEP_MS ?? 120_000))
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
    const companyName = (id: number) =>
      world.sandbox.connectwise.store.all("companies").find((c) => c.id === id)?.name as string
    // The chips name ConnectWise's records as ConnectWise shows them, not by id.
    const certain = grid.find((e) => e.row.customerResolution._tag === "Matched")
    if (certain === undefined || certain.row.customerResolution._tag !== "Matched") {
      throw new Error("the sandbox month has no row with a certain customer")
    }
    await page.getByRole("button", { name: /^All rows \(/ }).click()
    await page.getByLabel("Search", { exact: true }).fill(certain.row.customer.name ?? "")
    await expect(
      page.locator(`.ag-row[row-id="${certain.row.key}"] [col-id="customer"] button`).textContent()
    ).resolves.toContain(`${companyName(certain.row.customerResolution.targetId)} · `)
    await page.getByRole("button", { name: /^Needs a person \(/ }).click()
    const search = page.getByLabel("Search", { exact: true })
    await search.fill(suggested.row.customer.name ?? "")
    const row = page.locator(`.ag-row[row-id="${suggested.row.key}"]`)
    // By keyboard: focus the row's customer cell, move right to the ConnectWise company chip, Enter.
    await row.locator('[col-id="customer-name"]').click()
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("Enter")
    // The picker lists the suggestions first, with their scores…
    const picker = page.getByRole("dialog")
    await picker.getByRole("option", { name: `Use ${companyName(candidate)} (#${candidate}, score` }).waitFor()
    // …and searches every ConnectWise company as one types part of a name: pick a match by keyboard.
    const other = world.sandbox.connectwise.store
      .all("companies")
      .find((c) => c.id !== candidate && String(c.name).length > 6) as { id: number; name: string }
    const typed = other.name.slice(1, 6).toLowerCase()
    await picker.getByRole("combobox", { name: "Search ConnectWise companies" }).fill(typed)
    const match = picker.getByRole("option", {
      name: new RegExp(`^Use ${escapeRegExp(other.name)} \\(#${other.id}\\b`)
    })
    await match.waitFor()
    await page.screenshot({ path: `${shots}/picker.png` })
    expect(await seriousViolations(page)).toEqual([])
    // Arrow keys move through the list (suggestions, then matches) until the match is the active option.
    const combobox = picker.getByRole("combobox")
    for (let i = 0; i < 50 && (await match.getAttribute("aria-selected")) !== "true"; i++) {
      await combobox.press("ArrowDown")
    }
    await combobox.press("Enter")
    await expect(row.locator('[col-id="customer"] button').textContent()).resolves.toContain(`${other.name} · chosen`)
    // Then the suggested customer after all, from the suggestions by keyboard: the choice is replaced.
    await row.locator('[col-id="customer"] button').focus()
    await page.keyboard.press("Enter")
    const suggestion = page
      .getByRole("dialog")
      .getByRole("option", { name: `Use ${companyName(candidate)} (#${candidate}, score` })
    await suggestion.waitFor()
    await page.getByRole("dialog").getByRole("combobox").press("Enter")
    await expect(row.locator('[col-id="customer"] button').textContent()).resolves.toContain(
      `${companyName(candidate)} · chosen`
    )
    // …and approve that row by its checkbox.
    await row.locator('[col-id="approve"] input').check()
    await search.fill("")

    // Approve every deviation by selection.
    await page.getByRole("button", { name: /^Deviations \(/ }).click()
    const deviations = grid.filter((e) => e.state === "deviation")
    await page.locator(".ag-header-select-all").click()
    // The selection count renders after the click: wait for it rather than read it at once.
    await page.getByText(`${deviations.length} selected`).waitFor()
    await page.getByRole("button", { name: "Approve selected" }).click()
    await page.getByText("All decisions saved").waitFor()
    await expect(page.getByTestId("count-approved").textContent()).resolves.toBe(String(deviations.length + 1))

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
    // The summary bar's monthly cost impact is the plan's, as the confirmation shows it.
    const summaryImpact = page.getByTestId("summary-impact").locator("strong")
    await summaryImpact.first().waitFor()
    const impactShown = await summaryImpact.allTextContents()
    await page.screenshot({ path: `${shots}/grid.png` })
    expect(impactShown.length).toBeGreaterThan(0)
    await page.getByRole("button", { name: /^Review and apply/ }).click()
    const dialog = page.getByRole("dialog")
    await dialog.getByRole("button", { name: `Apply ${planned.length} changes` }).waitFor()
    expect(await dialog.locator('[data-testid^="impact-"]').allTextContents()).toEqual(impactShown)
    await page.screenshot({ path: `${shots}/apply-preview.png` })
    await dialog.getByRole("button", { name: `Apply ${planned.length} changes` }).click()
    const result = page.getByTestId("apply-result")
    await result.waitFor()
    await page.screenshot({ path: `${shots}/apply-result.png` })
    expect(await result.getAttribute("data-status")).toBe("succeeded")
    // The result per operation: each planned operation once, applied; the filter narrows by status.
    const results = page.getByTestId("operation-results")
    await results.waitFor()
    await expect(results.locator("tbody tr").count()).resolves.toBe(planned.length)
    await expect(results.locator('tbody tr[data-status="applied"]').count()).resolves.toBe(planned.length)
    const show = results.getByLabel("Show")
    await show.selectOption("failed")
    await results.getByText("No operation has this status.").waitFor()
    await show.selectOption("applied")
    await expect(results.locator("tbody tr").count()).resolves.toBe(planned.length)
    await page.screenshot({ path: `${shots}/apply-result.png` })
    expect(await seriousViolations(page)).toEqual([])

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

  it("excludes rows for this month or for good, says why, and stops ignoring them from the grid and the settings", async () => {
    const months = (await api<{ months: Array<string> }>(`/links/${DEMO_LINK}/months`)).body.months
    const month = months[0] ?? ""
    const gridOf = async () =>
      (await api<{ rows: Array<GridEntry> }>(`/links/${DEMO_LINK}/months/${month}/grid?limit=1000`)).body.rows
    const rows = (await gridOf()).filter((e) => e.row.origin === "invoice" && e.state !== "excluded")
    const approvedBefore = (
      await api<{ decisions: Record<string, { approve?: unknown }> }>(`/links/${DEMO_LINK}/months/${month}/draft`)
    ).body.decisions
    // Two rows of different products and customers: one left out this month, one product always
    // (a row approved earlier, whose approval then no longer counts).
    const once = rows.find((e) => e.state === "unlinked")
    const always = rows.find(
      (e) =>
        approvedBefore[e.row.key]?.approve !== undefined &&
        once !== undefined &&
        e.row.product.key !== once.row.product.key &&
        e.row.customer.key !== once.row.customer.key
    )
    if (once === undefined || always === undefined) throw new Error("the sandbox month lacks rows to exclude")
    const ofProduct = rows.filter((e) => e.row.product.key === always.row.product.key).map((e) => e.row.key)
    const search = page.getByLabel("Search", { exact: true })
    const select = async (entry: GridEntry) => {
      await page.getByRole("button", { name: /^All rows \(/ }).click()
      await search.fill(entry.row.customer.name)
      await page.locator(`.ag-row[row-id="${entry.row.key}"] .ag-selection-checkbox input`).check()
      await page.getByText("1 selected", { exact: true }).waitFor()
    }
    const excludedView = () => page.getByRole("button", { name: /^Excluded \(/ }).click()
    const because = (entry: GridEntry) => page.locator(`.ag-row[row-id="${entry.row.key}"] [col-id="excluded-because"]`)

    // This month only: the draft keeps it, with the reason.
    await select(once)
    await page.getByRole("button", { name: "Exclude selected…" }).click()
    const dialog = page.getByRole("dialog", { name: "Exclude 1 selected rows" })
    expect(await dialog.getByRole("radio", { name: "This month only" }).isChecked()).toBe(true)
    await dialog.getByLabel("Reason (optional)").fill("credit note follows")
    expect(await seriousViolations(page)).toEqual([])
    await dialog.getByRole("button", { name: "Exclude this month" }).click()
    await page.getByText("All decisions saved").waitFor()
    await page.locator(`.ag-row[row-id="${once.row.key}"] .ag-selection-checkbox input`).uncheck()
    await page.getByText("0 selected", { exact: true }).waitFor()
    // The Excluded view says why, in a column of its own.
    await excludedView()
    await because(once).getByText("credit note follows", { exact: true }).waitFor()
    await expect(because(once).locator("small").textContent()).resolves.toBe("this month")
    const draft = await api<{ decisions: Record<string, { exclude?: boolean; excludeReason?: string }> }>(
      `/links/${DEMO_LINK}/months/${month}/draft`
    )
    expect(draft.body.decisions[once.row.key]).toMatchObject({ exclude: true, excludeReason: "credit note follows" })

    // Always this product: remembered for the link, every row of the product excluded at once.
    await select(always)
    await page.getByRole("button", { name: "Exclude selected…" }).click()
    await dialog.getByRole("radio", { name: "Always: ignore the product of these lines" }).check()
    const label = `${always.row.product.code} ${always.row.product.description}`
    await dialog.getByRole("region", { name: "Products to ignore" }).getByText(label).waitFor()
    await expect(dialog.getByRole("button", { name: "Always ignore 1" }).isDisabled()).resolves.toBe(true)
    await dialog.getByLabel("Reason (required)").fill("billed by the distributor")
    await page.screenshot({ path: `${shots}/exclude-dialog.png` })
    await dialog.getByRole("button", { name: "Always ignore 1" }).click()
    await excludedView()
    await because(always).getByText("billed by the distributor", { exact: true }).waitFor()
    await expect(because(always).locator("small").textContent()).resolves.toBe("every month · product")
    const remembered = await api<Array<{ kind: string; key: string; label?: string; createdBy?: string }>>(
      `/links/${DEMO_LINK}/exclusions`
    )
    expect(remembered.body).toEqual([
      expect.objectContaining({
        kind: "product",
        key: always.row.product.key,
        label,
        createdBy: DEMO_USERS.finance.username
      })
    ])
    const excludedNow = (await gridOf()).filter((e) => e.state === "excluded").map((e) => e.row.key)
    expect(excludedNow.sort()).toEqual([...ofProduct, once.row.key].sort())
    // Approvals of excluded rows stay in the draft but are not counted: they are never planned.
    const decided = (
      await api<{ decisions: Record<string, { approve?: unknown }> }>(`/links/${DEMO_LINK}/months/${month}/draft`)
    ).body.decisions
    const shownKeys = new Set((await gridOf()).map((e) => e.row.key))
    const counted = Object.entries(decided).filter(
      ([k, d]) => d.approve !== undefined && shownKeys.has(k) && !excludedNow.includes(k)
    )
    const approvedExcluded = Object.entries(decided).filter(
      ([k, d]) => d.approve !== undefined && excludedNow.includes(k)
    )
    expect(approvedExcluded.length).toBeGreaterThan(0)
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="count-approved"]')?.textContent === n,
      String(counted.length)
    )
    await search.fill("")
    await page.getByRole("button", { name: `Excluded (${ofProduct.length + 1})` }).click()
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/grid-excluded.png` })

    // "Stop ignoring" in the grid: the product's rows come back.
    await because(always).getByRole("button", { name: "Stop ignoring this product" }).click()
    await page.getByRole("button", { name: "Excluded (1)" }).waitFor()
    expect((await api<Array<unknown>>(`/links/${DEMO_LINK}/exclusions`)).body).toEqual([])

    // Again, then from the link's settings as an administrator.
    await select(always)
    await page.getByRole("button", { name: "Exclude selected…" }).click()
    await dialog.getByRole("radio", { name: "Always: ignore the customer of these lines" }).check()
    await dialog.getByLabel("Reason (required)").fill("internal account")
    await dialog.getByRole("button", { name: "Always ignore 1" }).click()
    await excludedView()
    await because(always).getByText("internal account", { exact: true }).waitFor()
    await expect(because(always).locator("small").textContent()).resolves.toBe("every month · customer")
    await page.getByRole("button", { name: "Sign out" }).click()
    await signIn(DEMO_USERS.admin)
    await page.getByRole("link", { name: "Links" }).click()
    await page.getByRole("link", { name: "Settings" }).first().click()
    const section = page.getByRole("region", { name: "Always ignored" })
    const customerLabel = `${always.row.customer.code} ${always.row.customer.name}`
    await section.getByRole("cell", { name: customerLabel, exact: true }).waitFor()
    await expect(section.locator("tbody tr").first().locator("td").allTextContents()).resolves.toEqual([
      "Customer",
      customerLabel,
      "internal account",
      DEMO_USERS.finance.username,
      expect.stringMatching(/\d/),
      "Stop ignoring"
    ])
    expect(await seriousViolations(page)).toEqual([])
    await section.screenshot({ path: `${shots}/settings-exclusions.png` })
    await section.getByRole("button", { name: `Stop ignoring ${customerLabel}` }).click()
    await section.getByText("Nothing is always ignored.").waitFor()
    expect((await api<Array<unknown>>(`/links/${DEMO_LINK}/exclusions`)).body).toEqual([])

    // Back as the finance user; the month's own exclusion taken back with "Include again".
    await page.getByRole("button", { name: "Sign out" }).click()
    await signIn(DEMO_USERS.finance)
    await page.getByRole("button", { name: "Excluded (1)" }).waitFor()
    await select(once)
    await page.getByRole("button", { name: "Include again" }).click()
    await page.getByText("All decisions saved").waitFor()
    await page.getByRole("button", { name: "Excluded (0)" }).waitFor()
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
    // The result per invoice: booked, under the number Exact holds it by.
    const booked = new Map(
      [
        ...world.sandbox.exact.records(division, "SalesInvoices"),
        ...world.sandbox.exact.records(division, "SalesEntries")
      ].map((r) => [String(r.YourRef ?? ""), String(r.EntryNumber ?? r.InvoiceNumber ?? "")])
    )
    const resultRows = page.getByTestId("transfer-invoices").locator("tbody tr")
    await expect(resultRows.count()).resolves.toBe(numbers.length)
    const shown = await resultRows.evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent ?? ""))
    )
    expect(shown.map(([n]) => n).sort()).toEqual(numbers)
    for (const [n, outcome, exactNumber] of shown) {
      expect([n, outcome]).toEqual([n, "booked"])
      expect(exactNumber, n).not.toBe("")
      expect(exactNumber, n).toBe(booked.get(n ?? ""))
    }
    // The preview again: everything is already transferred.
    await page.getByRole("heading", { name: "Ready (0)" }).waitFor()
    await page.screenshot({ path: `${shots}/transfer-result.png` })
  })

  it("shows every run and its log", async () => {
    await page.getByRole("link", { name: "Runs" }).click()
    await page.getByRole("heading", { name: "Runs" }).waitFor()
    const runs = (
      await api<Array<{ id: string; job: string; mail?: keyof typeof MAIL_LABELS }>>(`/links/${DEMO_LINK}/runs`)
    ).body
    expect(runs.length).toBeGreaterThan(0)
    for (const run of runs) await page.locator(`[data-run="${run.id}"]`).waitFor()
    // Each finished run says whether its mail went out, as its record keeps it.
    for (const run of runs) {
      expect(run.mail, run.id).toBeDefined()
      await expect(page.locator(`[data-run="${run.id}"] [data-testid="run-mail"]`).textContent()).resolves.toBe(
        MAIL_LABELS[run.mail as keyof typeof MAIL_LABELS]
      )
    }
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
    // The newest month is loaded (the first test did): the card says how much of it needs a person.
    const months = (await api<{ months: Array<string> }>(`/links/${DEMO_LINK}/months`)).body.months
    const counts = (
      await api<{ counts: Record<string, number> }>(`/links/${DEMO_LINK}/months/${months[0]}/grid?limit=1`)
    ).body.counts
    const waiting = (counts.unlinked ?? 0) + (counts.problem ?? 0) + (counts.suggested ?? 0)
    expect(waiting).toBeGreaterThan(0)
    await expect(page.getByTestId("attention").textContent()).resolves.toBe(
      `${waiting} ${waiting === 1 ? "line needs" : "lines need"} a person in ${months[0]}.`
    )
    // The demo link schedules nothing itself, so its one scheduled run is Exact's weekly keep-alive
    // (Sundays 04:17 UTC): the next one, computed here by hand, as this server (in-process) runs it.
    const keepAlive = new Date()
    keepAlive.setUTCHours(4, 17, 0, 0)
    while (keepAlive.getUTCDay() !== 0 || keepAlive.getTime() <= Date.now())
      keepAlive.setUTCDate(keepAlive.getUTCDate() + 1)
    const scheduled = page.getByRole("table", { name: "Next scheduled runs" })
    await scheduled.waitFor()
    expect(await scheduled.locator("tbody tr td").first().textContent()).toBe("keep Exact connected")
    expect(await scheduled.locator("time").getAttribute("datetime")).toBe(
      keepAlive.toISOString().replace("Z", "+00:00")
    )
    const lang = await page.evaluate(() => navigator.language)
    expect(await scheduled.locator("time").textContent()).toBe(formatScheduled(keepAlive.toISOString(), "UTC", lang))
    await page.getByText("Run by this server.").waitFor()
    await page.getByRole("button", { name: "Test connections" }).click()
    await page.getByLabel("Connections").waitFor()
    expect(await page.getByLabel("Connections").locator(".good").count()).toBe(2)
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/links.png` })
  })

  it("an administrator adds a second link through the wizard, connects Exact and loads a month on it", async () => {
    const expected = sandboxLinkConfig(world.sandbox, world.url, "Second MSP")
    const urls = world.sandbox.urls(`${world.url}${SANDBOX_MOUNT}`)
    await page.getByRole("link", { name: "Links" }).click()
    await page.getByRole("link", { name: "Add a link" }).click()
    await page.getByRole("heading", { name: "New link" }).waitFor()
    await page.getByLabel("Link id").fill("second")
    await page.getByLabel("Name", { exact: true }).fill("Second MSP")
    await page.getByLabel("API address").fill(urls.connectwise)
    await page.getByLabel("Company id").fill(expected.connectwise.companyId)
    await page.getByLabel("Public key").fill(expected.connectwise.publicKey)
    await page.getByLabel("Private key").fill(expected.connectwise.privateKey)
    await page.getByLabel("Client id", { exact: true }).fill(expected.connectwise.clientId)
    await page.getByLabel("Exact address").fill(urls.exact)
    await page.getByLabel("App client id").fill(expected.exact.clientId)
    await page.getByLabel("App client secret").fill(expected.exact.clientSecret)
    // The redirect URI is offered as the portal's own callback, which is what the sandbox's app registered.
    await expect(page.getByLabel("Redirect URI").inputValue()).resolves.toBe(expected.exact.redirectUri)
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole("button", { name: "Save and continue" }).click()

    // Step 2: ConnectWise answers; Exact is not connected yet, and says what to do.
    await page.getByText("Step 2 of 3: test and connect").waitFor()
    const tested = page.getByLabel("Connection test")
    await page.getByRole("button", { name: "Test connection" }).click()
    await tested.waitFor()
    await expect(tested.locator('[data-ok="true"]').allTextContents()).resolves.toEqual([
      expect.stringContaining("ConnectWise PSA: connected")
    ])
    const exactProblem = (await tested.locator('[data-ok="false"]').textContent()) ?? ""
    expect(exactProblem).toMatch(/^Exact Online: not connected \S/)
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/link-wizard-test.png` })

    // Connect Exact Online: the sandbox's consent page, then back in the wizard.
    await page.getByRole("button", { name: "Connect Exact Online" }).click()
    await page.getByRole("button", { name: "Grant access" }).waitFor()
    await page.getByLabel("Administration").selectOption(String(world.sandbox.credentials.exact.division))
    await page.getByRole("button", { name: "Grant access" }).click()
    await page.getByText("Step 2 of 3: test and connect").waitFor()
    expect(new URL(page.url()).hash).toBe("#/links/second/setup")
    await page.getByRole("button", { name: "Test connection" }).click()
    await page.locator('[aria-label="Connection test"] [data-ok="true"]').nth(1).waitFor()
    expect(await tested.locator('[data-ok="false"]').count()).toBe(0)
    await page.getByRole("button", { name: "Continue" }).click()

    // Step 3: everything chosen from the server's look-ups.
    await page.getByText("Step 3 of 3").waitFor()
    type Lookups = {
      connectwise: {
        agreementTypes: Array<{ id: number; name: string }>
        billingTerms: Array<{ id: number; name: string }>
      }
    }
    const lookups = (await api<Lookups>("/links/second/lookups")).body
    const agreementType = lookups.connectwise.agreementTypes[0]
    if (agreementType === undefined) throw new Error("the sandbox has no agreement types")
    // The options arrive from the server: wait for them rather than for a while.
    await page.locator(`select option[value="${expected.settings.transfer.journal}"]`).waitFor({ state: "attached" })
    await page.getByLabel("Exact administration").selectOption(String(expected.exact.division))
    await page.getByLabel("Unit cost from").selectOption("line")
    await page.getByLabel("Tolerance (EUR)").fill("0.01")
    await page.getByLabel("Agreement type").selectOption(String(agreementType.id))
    // Pulldowns from ConnectWise's own lists, not typed ids.
    await page.getByLabel("Billing cycle").selectOption({ label: "M · Monthly" })
    await page.getByLabel("Product subcategory").selectOption({ label: "Managed Services / Beheerde diensten" })
    await page.getByLabel("Product type").selectOption({ label: "Dienst" })
    await page.getByLabel("Booking mode").selectOption("invoice")
    await page.getByLabel("Sales journal").selectOption(expected.settings.transfer.journal)
    for (const [taxCode, vatCode] of Object.entries(expected.settings.transfer.vatCodes)) {
      await page.getByLabel(`VAT code for ${taxCode}`).selectOption(vatCode)
    }
    const terms = new Map(lookups.connectwise.billingTerms.map((t) => [String(t.id), t.name]))
    for (const [termsId, condition] of Object.entries(expected.settings.transfer.paymentConditions)) {
      await page.getByLabel(`Payment condition for ${terms.get(termsId)}`).selectOption(condition)
    }
    await page.getByLabel("Mail runs to").fill("finance@demo.example")
    await page.getByRole("button", { name: "Add a schedule" }).click()
    // The cron's preview: in words with the next due time, or why it is refused.
    const cronPreview = page.getByTestId("cron-preview").first()
    await page.getByLabel("Cron 1").fill("0 25 * * *")
    await cronPreview.getByText("is not a cron expression").waitFor()
    await page.getByLabel("Cron 1").fill("0 6 * * 1-5")
    await cronPreview.getByText(/^Monday to Friday at 06:00, \S+ · next \S/).waitFor()
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/link-wizard-settings.png`, fullPage: true })
    await page.getByRole("button", { name: "Save and finish" }).click()

    // Saved as chosen, its keys sealed (never echoed), and the month loads on the new link.
    await page.getByRole("heading", { name: "Reconciliation" }).waitFor()
    const saved = (await api<{ version: number; config: Record<string, Record<string, unknown>> }>("/links/second"))
      .body
    expect(JSON.stringify(saved)).not.toContain(expected.connectwise.privateKey)
    expect(JSON.stringify(saved)).not.toContain(expected.exact.clientSecret)
    expect(saved.config.connectwise?.privateKey).toMatchObject({ set: true })
    expect(saved.config.exact?.division).toBe(expected.exact.division)
    expect(saved.config.source).toEqual(expected.source)
    expect(saved.config.settings).toMatchObject({
      compare: "unitCost",
      tolerance: { EUR: "0.01" },
      newAgreement: { typeId: agreementType.id, billingCycleId: 1 },
      newProduct: { subcategoryId: 12, typeId: 4 },
      transfer: { ...expected.settings.transfer, mode: "invoice" }
    })
    expect(saved.config.mail).toEqual({ to: ["finance@demo.example"], when: "problems" })
    expect(saved.config.schedules).toEqual([{ job: "transfer.run", cron: "0 6 * * 1-5", enabled: true }])
    await expect(page.locator(".switcher select").inputValue()).resolves.toBe("second")
    await page.getByRole("button", { name: "Load invoice" }).click()
    await page.locator(".ag-row").first().waitFor()
    const months = (await api<{ months: Array<string> }>("/links/second/months")).body.months
    const grid = (await api<{ rows: Array<GridEntry> }>(`/links/second/months/${months[0]}/grid?limit=1000`)).body.rows
    expect(grid.length).toBeGreaterThan(0)

    // The form for the existing link: the key is "set", never shown; a colleague's save in between is a conflict.
    await page.goto(`${world.url}/#/links/second/settings`)
    await page.getByRole("heading", { name: "Settings: Second MSP" }).waitFor()
    await expect(page.getByLabel("Private key").inputValue()).resolves.toBe("")
    await expect(page.getByTestId("secret-Private key").textContent()).resolves.toMatch(/^Set, updated /)
    expect(await page.content()).not.toContain(expected.connectwise.privateKey)
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: `${shots}/link-settings.png`, fullPage: true })
    // A colleague renames the link meanwhile (sending the configuration without the secrets' states).
    const { privateKey: _privateKey, ...connectwise } = saved.config.connectwise ?? {}
    const { clientSecret: _clientSecret, ...exact } = saved.config.exact ?? {}
    const colleague = await api("/links/second", {
      method: "PUT",
      body: { version: saved.version, config: { ...saved.config, connectwise, exact, name: "Second MSP (colleague)" } }
    })
    expect(colleague.status).toBe(200)
    await page.getByLabel("Name", { exact: true }).fill("Second MSP B.V.")
    await page.getByRole("button", { name: "Save", exact: true }).click()
    await page
      .getByRole("alert")
      .getByText(/^Someone else saved this link/)
      .waitFor()
    await page.reload()
    await page.getByRole("heading", { name: "Settings: Second MSP (colleague)" }).waitFor()
    await page.getByLabel("Name", { exact: true }).fill("Second MSP B.V.")
    await page.getByRole("button", { name: "Save", exact: true }).click()
    await page
      .getByRole("status")
      .getByText(`Saved (version ${saved.version + 2}).`)
      .waitFor()
    const after = (await api<{ config: Record<string, Record<string, unknown>> }>("/links/second")).body
    expect(after.config.name).toBe("Second MSP B.V.")
    // The settings' audit: the latest change first, by whom, naming the field (never its value).
    const audit = page.getByRole("region", { name: "Changes" })
    await audit.locator("tbody tr").first().getByRole("cell", { name: "name", exact: true }).waitFor()
    await expect(audit.locator("tbody tr").first().locator("td").allTextContents()).resolves.toEqual([
      expect.stringMatching(/\d/),
      DEMO_USERS.admin.username,
      "changed settings",
      "name"
    ])
    await audit.getByRole("cell", { name: "created the link", exact: true }).waitFor()
    expect(await audit.textContent()).not.toContain(expected.connectwise.privateKey)
    // A key left empty keeps its value: the connection still works.
    expect(after.config.connectwise?.privateKey).toMatchObject({ set: true })
    await page.getByRole("button", { name: "Test connection" }).click()
    await page.locator('[aria-label="Connection test"] [data-ok="true"]').nth(1).waitFor()

    // The approval policy and sales entries' revenue accounts, picked from Exact's GL accounts.
    type GlLookups = { exact: { glAccounts: Array<{ id: string; code?: string; name: string }> } }
    const gl = (await api<GlLookups>("/links/second/lookups")).body.exact.glAccounts.filter((g) => g.code)
    const [revenue, special] = gl
    if (revenue?.code === undefined || special?.code === undefined)
      throw new Error("the sandbox has under two GL accounts")
    await page.getByLabel("Booking mode").selectOption("entry")
    await page.getByLabel("Default revenue GL account").selectOption(revenue.code)
    await page.getByLabel("ConnectWise catalog item id").fill("41")
    await page.getByRole("button", { name: "Add an item" }).click()
    await page.getByLabel("Revenue GL account for catalog item 41").selectOption(special.code)
    const threshold = page.getByLabel("A suggested name links by itself from score")
    await threshold.fill("0.8")
    await page.getByTestId("auto-accept-warning").waitFor()
    // A score that is not one is the server's to refuse, naming the field; nothing is saved.
    await threshold.fill("high")
    await page.getByRole("button", { name: "Save", exact: true }).click()
    await page
      .getByRole("alert")
      .getByText(/approval\.autoAcceptAbove/)
      .waitFor()
    await threshold.fill("0,95")
    expect(await page.getByTestId("auto-accept-warning").count()).toBe(0)
    await page.getByLabel("Correct unit costs").check()
    await page.getByLabel("New Exact customers for companies without one").selectOption("never")
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole("button", { name: "Save", exact: true }).click()
    await page
      .getByRole("status")
      .getByText(/^Saved \(version/)
      .waitFor()
    const policy = (await api<{ config: Record<string, Record<string, unknown>> }>("/links/second")).body.config
    expect(policy.approval).toEqual({ autoAcceptAbove: 0.95, autoApprove: ["updateUnitCost"], createAccounts: "never" })
    expect(policy.settings?.transfer).toMatchObject({
      mode: "entry",
      defaultGlAccount: revenue.code,
      glAccounts: { "41": special.code }
    })
    // Shown again as saved after a reload.
    await page.reload()
    // The form fills once the link is read: wait for that rather than for a while.
    await page.waitForFunction(
      () => (document.querySelector('input[placeholder="0.92"]') as HTMLInputElement | null)?.value === "0.95"
    )
    await expect(page.getByLabel("Correct unit costs").isChecked()).resolves.toBe(true)
    await expect(page.getByLabel("Revenue GL account for catalog item 41").inputValue()).resolves.toBe(special.code)
    await page.getByRole("group", { name: "What may happen without a person" }).screenshot({
      path: `${shots}/settings-approval.png`
    })
  })

  it("an administrator tries a CSV link's columns on an export, uploads it and loads its month", async () => {
    const base = sandboxLinkConfig(world.sandbox, world.url, "Tilburg CSV")
    const columns = {
      customerKey: "klant",
      productKey: "artikel",
      quantity: "aantal",
      unitCost: "prijs",
      month: "datum"
    }
    const created = await api("/links", {
      method: "POST",
      body: { id: "tilburg", config: { ...base, source: { kind: "csv", delimiter: ";", columns } } }
    })
    expect(created.status).toBe(201)
    const csv = "Klant;Artikel;Aantal;Prijs;Datum\nAcme;BP;1,5;18,70;2026-03-05\nBeta;BP;2;18,70;2026-03-06\n"
    const upload = { name: "maart.csv", mimeType: "text/csv", buffer: Buffer.from(csv) }

    // The settings: the columns tried on an export before they are saved, a missing one named.
    await page.goto(`${world.url}/#/links/tilburg/settings`)
    await page.getByRole("heading", { name: "Settings: Tilburg CSV" }).waitFor()
    await expect(page.getByLabel("Date column").inputValue()).resolves.toBe("datum")
    const tryIt = page.getByRole("region", { name: "Try the columns on a file" })
    await tryIt.getByLabel("Try the columns on an export").setInputFiles(upload)
    await tryIt.getByText("Columns in the file: Klant, Artikel, Aantal, Prijs, Datum").waitFor()
    await expect(tryIt.locator("tbody tr").count()).resolves.toBe(2)
    // Read as a load reads them: the form's currency (EUR by default) for a file without one, no problem.
    expect(await tryIt.locator("tbody tr td:last-child").allTextContents()).toEqual(["", ""])
    expect(await seriousViolations(page)).toEqual([])
    await tryIt.screenshot({ path: `${shots}/settings-csv-preview.png` })
    await page.getByLabel("Unit cost column").fill("kostprijs")
    await tryIt.getByRole("button", { name: "Read it again with these columns" }).click()
    await tryIt
      .getByRole("alert")
      .getByText(/kostprijs/)
      .waitFor()

    // The reconciliation: no file yet, then the upload, its months, and the month loads from it.
    // A fresh page lists the link made through the API in the switcher.
    await page.goto(`${world.url}/#/reconcile`)
    await page.reload()
    await page.getByRole("heading", { name: "Reconciliation" }).waitFor()
    await page.locator("header .switcher select").selectOption("tilburg")
    const fileBar = page.getByRole("region", { name: "Invoice file" })
    await fileBar.getByText("No invoice file yet").waitFor()
    await fileBar.getByLabel("Upload the invoice file").setInputFiles(upload)
    await fileBar.getByText(/^Invoice file: maart\.csv \(/).waitFor()
    await expect.poll(() => page.getByLabel("Month").inputValue()).toBe("2026-03")
    await page.getByRole("button", { name: "Load invoice" }).click()
    await page.locator(".ag-row").first().waitFor()
    const grid = (await api<{ rows: Array<GridEntry> }>("/links/tilburg/months/2026-03/grid?limit=100")).body.rows
    expect(
      grid
        .filter((e) => e.row.origin === "invoice")
        .map((e) => e.row.customer.key)
        .sort()
    ).toEqual(["Acme", "Beta"])
    expect(await seriousViolations(page)).toEqual([])
    await page.locator("header .switcher select").selectOption(DEMO_LINK)
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
