// Debian's Chromium driven by playwright-core (no browser download): a fresh profile per launch,
// and axe-core injected from npm for the accessibility checks.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BrowserContext, chromium, type Page } from "playwright-core"

export const CHROMIUM = process.env.PSA_LEDGER_CHROMIUM ?? "/usr/bin/chromium"

export const launch = async (): Promise<{ context: BrowserContext; close(): Promise<void> }> => {
  const profile = mkdtempSync(join(tmpdir(), "psa-ledger-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ],
    viewport: { width: 1280, height: 800 },
    // A Dutch finance team: numbers as 1.234,56 and dates as 31-12-2026.
    locale: "nl-NL",
    acceptDownloads: true
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: ReadonlyArray<{ readonly target: ReadonlyArray<string> }>
}

/** The page's serious and critical WCAG 2 A/AA violations (axe-core). */
export const seriousViolations = async (page: Page): Promise<Array<string>> => {
  // Evaluated through the debugging protocol: the portal's Content-Security-Policy refuses inline scripts.
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(options: unknown): Promise<{ violations: Array<AxeViolation> }> } })
      .axe
    const result = await axe.run({ runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
    return result.violations
  })
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)
}
