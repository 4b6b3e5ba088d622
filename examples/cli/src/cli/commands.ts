// The commands of `psa-ledger`: each with its options, usage, an example, and what it does.
import { randomBytes } from "node:crypto"
import { readFile, writeFile } from "node:fs/promises"
import type { ParseArgsOptionsConfig } from "node:util"
import { deriveStorageKey, keyFingerprint, openDeployment } from "@psa-ledger/deployment"
import type { LinkApi, LoadedMonth } from "@psa-ledger/link"
import { ChangePlan, type ReconciliationRow, RowDecision, renderLog, UseTarget } from "@psa-ledger/reconcile-core"
import { Schema } from "effect"
import { runDemo } from "../demo.ts"
import { connectCommands } from "./connect.ts"
import {
  type CommonOptions,
  type Opened,
  open,
  openStorage,
  sandboxConsent,
  sandboxLinkConfig,
  storageTarget
} from "./deployment.ts"
import { CliError, Exit, usageError, withLink } from "./errors.ts"
import { csv, decimal, paint, progressBar, table, toJson } from "./output.ts"
import { prompt, readLinkSecrets } from "./secrets.ts"
import { serveCommands } from "./serve.ts"
import { workerCommands } from "./worker.ts"

/** What a command is given: its parsed options and positionals, and a signal aborted by Ctrl-C. */
export interface Invocation {
  readonly values: Record<string, string | boolean | undefined>
  readonly positionals: ReadonlyArray<string>
  readonly signal: AbortSignal
  readonly out: (text: string) => void
}

/** One command: its words, usage, help, example, options and body (returning the exit code). */
export interface Command {
  readonly name: string
  readonly args: string
  readonly summary: string
  readonly example: string
  readonly options?: ParseArgsOptionsConfig
  readonly optionHelp?: ReadonlyArray<readonly [string, string]>
  readonly positionals: number
  readonly run: (invocation: Invocation) => Promise<number>
}

const common = (values: Invocation["values"]): CommonOptions => ({
  storage: values.storage as string | undefined,
  secretKeyFile: values["secret-key-file"] as string | undefined,
  sandbox: values.sandbox === true
})

/** Runs `body` on the opened deployment, closing it after. */
const withDeployment = async <A>(values: Invocation["values"], body: (opened: Opened) => Promise<A>): Promise<A> => {
  const opened = await open(common(values))
  try {
    return await body(opened)
  } finally {
    await opened.deployment.close()
  }
}

/** Opens a link (given Exact consent again on the sandbox with --sandbox). */
const openLink = async (opened: Opened, id: string, approval?: { autoAcceptAbove: number }): Promise<LinkApi> => {
  if ((await opened.deployment.links.get(id)) === undefined) {
    throw new CliError(`no link ${JSON.stringify(id)}`, { hint: "`psa-ledger links list` shows the links" })
  }
  await sandboxConsent(opened, id)
  return opened.deployment.links.open(id, approval === undefined ? undefined : { approval })
}

const month = (values: Invocation["values"], usage: string): string => {
  const text = values.month
  if (typeof text !== "string" || !/^\d{4}-(0[1-9]|1[0-2])$/.test(text)) {
    throw usageError("--month must be YYYY-MM, e.g. --month 2026-11", usage)
  }
  return text
}

const linked = (tag: string) => tag === "Mapped" || tag === "Matched"

/** A grid row as the stable JSON of `load --json` (decimals as strings). */
const rowView = (row: ReconciliationRow) => {
  const quantityOff = row.deviations.find((d) => d._tag === "QuantityDiffers")
  const costOff = row.deviations.find((d) => d._tag === "UnitCostDiffers")
  const agreementLinked = linked(row.agreementResolution._tag)
  return {
    key: row.key,
    origin: row.origin,
    customer: { code: row.customer.code, name: row.customer.name },
    product: { code: row.product.code, description: row.product.description },
    currency: row.currency,
    states: {
      customer: row.customerResolution._tag,
      product: row.productResolution._tag,
      agreement: row.agreementResolution._tag
    },
    invoice: { quantity: decimal(row.quantity), unitCost: row.unitCost === undefined ? null : decimal(row.unitCost) },
    connectwise: {
      quantity:
        quantityOff !== undefined ? decimal(quantityOff.current) : agreementLinked ? decimal(row.quantity) : null,
      unitCost:
        costOff !== undefined
          ? decimal(costOff.current)
          : agreementLinked && row.unitCost !== undefined
            ? decimal(row.unitCost)
            : null
    },
    deviations: row.deviations.map((d) => d._tag)
  }
}

const selectRows = (
  grid: LoadedMonth,
  only: string | boolean | undefined,
  usage: string
): ReadonlyArray<ReconciliationRow> => {
  if (only === undefined) return grid.rows
  if (only === "deviations") return grid.rows.filter((row) => row.deviations.length > 0)
  if (only === "unlinked") {
    return grid.rows.filter(
      (row) =>
        !linked(row.customerResolution._tag) ||
        !linked(row.productResolution._tag) ||
        !linked(row.agreementResolution._tag)
    )
  }
  throw usageError("--only must be deviations or unlinked", usage)
}

const CHANGE_KINDS = [
  "createProduct",
  "createAgreement",
  "addAddition",
  "updateQuantity",
  "updateUnitCost",
  "updateUnitPrice",
  "cancelAddition"
] as const

type ChangeKind = (typeof CHANGE_KINDS)[number]

const approveKinds = (text: string | boolean | undefined, usage: string): ReadonlyArray<ChangeKind> | "all" => {
  if (text === undefined) return "all"
  const kinds = String(text)
    .split(",")
    .map((kind) => kind.trim())
    .filter((kind) => kind !== "")
  for (const kind of kinds) {
    if (!(CHANGE_KINDS as ReadonlyArray<string>).includes(kind)) {
      throw usageError(`--approve: unknown kind ${JSON.stringify(kind)} (kinds: ${CHANGE_KINDS.join(", ")})`, usage)
    }
  }
  return kinds as Array<ChangeKind>
}

/** The exit code of a finished run: done, partial, failed or cancelled. */
/** The link (of `--link`, or the one that has it) where `runId` is an unfinished run, opened to run. */
const linkOfUnfinished = async (opened: Opened, runId: string, linkOption: unknown): Promise<LinkApi> => {
  const ids = typeof linkOption === "string" ? [linkOption] : (await opened.deployment.links.list()).map((l) => l.id)
  for (const id of ids) {
    if (typeof linkOption === "string" && (await opened.deployment.links.get(id)) === undefined) break
    const found = await opened.deployment.links.open(id)
    if ((await found.runs.unfinished()).some((u) => u.runId === runId)) return openLink(opened, id)
  }
  throw new CliError(
    `no unfinished run ${JSON.stringify(runId)}${typeof linkOption === "string" ? ` of link ${linkOption}` : ""}`,
    {
      hint: "`psa-ledger runs LINK --unfinished` lists the unfinished runs"
    }
  )
}

const runExit = (status: string): number =>
  status === "succeeded"
    ? Exit.done
    : status === "partial"
      ? Exit.partial
      : status === "cancelled"
        ? Exit.interrupted
        : Exit.failed

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** Every command, in the order `--help` lists them. */
export const commands: ReadonlyArray<Command> = [
  {
    name: "demo",
    args: "",
    summary: "reconcile a simulated MSP end to end, over real HTTP on 127.0.0.1",
    example: "psa-ledger demo",
    positionals: 0,
    run: async () => {
      await runDemo()
      return Exit.done
    }
  },
  {
    name: "init",
    args: "--storage sqlite:FILE [--key-file FILE]",
    summary: "create a deployment and its secret key (a key file with mode 0600)",
    example: "psa-ledger init --storage sqlite:ledger.db --key-file ledger.key",
    options: { "key-file": { type: "string" } },
    optionHelp: [["--key-file FILE", "where the generated secret key goes (default: FILE.key next to the database)"]],
    positionals: 0,
    run: async ({ values, out }) => {
      const target = storageTarget(values.storage as string | undefined)
      const keyFile =
        (values["key-file"] as string | undefined) ?? (target._tag === "sqlite" ? `${target.filename}.key` : undefined)
      if (keyFile === undefined) throw usageError("--key-file is needed with a postgres:// storage", "psa-ledger init")
      const key = randomBytes(32).toString("base64")
      try {
        // `wx`: never overwrite a key a deployment may already be sealed with.
        await writeFile(keyFile, `${key}\n`, { mode: 0o600, flag: "wx" })
      } catch (error) {
        if ((error as { code?: string }).code === "EEXIST") {
          throw new CliError(`the key file ${keyFile} exists already`, {
            hint: "keep it (it opens the deployment), or choose another --key-file"
          })
        }
        throw error
      }
      deriveStorageKey(key)
      const deployment = await openDeployment({ storage: openStorage(target), secretKey: key })
      await deployment.close()
      out(
        `Deployment ready (key ${keyFingerprint(key)}). Secret key written to ${keyFile} (mode 0600).\n` +
          `Every command reads it by one rule:\n  export PSA_LEDGER_SECRET_KEY_FILE=${keyFile}\n`
      )
      return Exit.done
    }
  },
  {
    name: "links add",
    args: "LINK [--name NAME] [--from-file config.json | --sandbox | connection flags] [--secrets-from-stdin]",
    summary: "save a link; its secrets come from env, stdin or a no-echo prompt, never a flag",
    example: "psa-ledger links add acme --from-file acme.json --secrets-from-stdin < secrets.txt",
    options: {
      name: { type: "string" },
      "from-file": { type: "string" },
      "secrets-from-stdin": { type: "boolean" },
      "cw-site": { type: "string" },
      "cw-company": { type: "string" },
      "cw-public-key": { type: "string" },
      "cw-client-id": { type: "string" },
      "exact-region": { type: "string" },
      "exact-client-id": { type: "string" },
      "exact-redirect-uri": { type: "string" },
      "exact-division": { type: "string" }
    },
    optionHelp: [
      ["--from-file FILE", "a LinkConfig as JSON (without secrets), as `links show --json` prints it"],
      ["--sandbox", "a link to the sandbox world, with the sandbox's credentials"],
      ["--cw-site, --cw-company, --cw-public-key, --cw-client-id", "the ConnectWise connection"],
      ["--exact-region, --exact-client-id, --exact-redirect-uri, --exact-division", "the Exact Online connection"],
      ["--secrets-from-stdin", "read the ConnectWise private key, then the Exact client secret, one per line"],
      ["env", "PSA_LEDGER_CW_PRIVATE_KEY, PSA_LEDGER_EXACT_CLIENT_SECRET; otherwise asked on a terminal"]
    ],
    positionals: 1,
    run: async ({ values, positionals, out }) => {
      const [id = ""] = positionals
      return withDeployment(values, async (opened) => {
        let config: Record<string, unknown>
        if (opened.sandbox !== undefined) {
          config = sandboxLinkConfig(opened.sandbox, (values.name as string | undefined) ?? id)
        } else {
          if (typeof values["from-file"] === "string") {
            config = JSON.parse(await readFile(values["from-file"], "utf8")) as Record<string, unknown>
            delete config.id
          } else {
            const ask = async (flag: string, label: string, fallback?: string) =>
              (values[flag] as string | undefined) ??
              (process.stdin.isTTY === true && values["secrets-from-stdin"] !== true
                ? await prompt(label, fallback)
                : "")
            config = {
              name: (values.name as string | undefined) ?? id,
              connectwise: {
                site: await ask("cw-site", "ConnectWise site", "api-eu.myconnectwise.net"),
                companyId: await ask("cw-company", "ConnectWise company id"),
                publicKey: await ask("cw-public-key", "ConnectWise public key"),
                clientId: await ask("cw-client-id", "ConnectWise client id")
              },
              exact: {
                region: await ask("exact-region", "Exact Online region", "nl"),
                clientId: await ask("exact-client-id", "Exact Online app client id"),
                redirectUri: await ask("exact-redirect-uri", "Exact Online redirect URI"),
                division: Number(await ask("exact-division", "Exact Online division"))
              },
              settings: {}
            }
          }
          const secrets = await readLinkSecrets(values["secrets-from-stdin"] === true)
          config = {
            ...config,
            format: 1,
            connectwise: { ...(config.connectwise as object), privateKey: secrets.privateKey },
            exact: { ...(config.exact as object), clientSecret: secrets.clientSecret }
          }
        }
        const view = await opened.deployment.links.create(id, { format: 1, ...config })
        out(
          values.json === true
            ? toJson(view)
            : `Link ${id} saved (version ${view.version}). Next: psa-ledger exact connect ${id}\n`
        )
        return Exit.done
      })
    }
  },
  {
    name: "links list",
    args: "",
    summary: "the links of the deployment",
    example: "psa-ledger links list --json",
    positionals: 0,
    run: ({ values, out }) =>
      withDeployment(values, async ({ deployment }) => {
        const links = await deployment.links.list()
        if (values.json === true)
          out(toJson(links.map((link) => ({ id: link.id, name: link.config.name, version: link.version }))))
        else if (links.length === 0) out("No links yet: psa-ledger links add LINK\n")
        else
          out(
            `${table(
              ["LINK", "NAME", "VERSION"],
              links.map((l) => [l.id, l.config.name, String(l.version)])
            )}\n`
          )
        return Exit.done
      })
  },
  {
    name: "links show",
    args: "LINK",
    summary: "a link's configuration (secrets shown as set or not)",
    example: "psa-ledger links show acme --json",
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async ({ deployment }) => {
        const [id = ""] = positionals
        const view = await deployment.links.get(id)
        if (view === undefined)
          throw new CliError(`no link ${JSON.stringify(id)}`, { hint: "`psa-ledger links list` shows the links" })
        if (values.json === true) out(toJson(view))
        else {
          const c = view.config
          out(
            [
              `${view.id}  ${c.name}  (version ${view.version})`,
              `  ConnectWise  ${c.connectwise.site ?? c.connectwise.baseUrl ?? ""}  company ${c.connectwise.companyId}  private key ${c.connectwise.privateKey.set ? "set" : "not set"}`,
              `  Exact Online ${c.exact.region ?? c.exact.baseUrl ?? ""}  division ${c.exact.division}  client secret ${c.exact.clientSecret.set ? "set" : "not set"}`,
              ""
            ].join("\n")
          )
        }
        return Exit.done
      })
  },
  {
    name: "links test",
    args: "LINK",
    summary: "test both connections; exit 4 when a person must fix something",
    example: "psa-ledger links test acme",
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async (opened) => {
        const [id = ""] = positionals
        await openLink(opened, id)
        const result = await opened.deployment.links.test(id)
        if (values.json === true) out(toJson(result))
        else {
          const line = (name: string, check: (typeof result)["connectwise"]) =>
            check.ok ? `${name}: ${paint(32, "ok")}` : `${name}: ${paint(31, check.reason)} — ${check.message}`
          out(`${line("ConnectWise", result.connectwise)}\n${line("Exact Online", result.exact)}\n`)
        }
        return result.ok ? Exit.done : Exit.needsPerson
      })
  },
  {
    name: "links remove",
    args: "LINK",
    summary: "remove a link's configuration and secrets (runs and mappings are kept)",
    example: "psa-ledger links remove acme",
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async ({ deployment }) => {
        const [id = ""] = positionals
        const removed = await deployment.links.remove(id)
        if (!removed)
          throw new CliError(`no link ${JSON.stringify(id)}`, { hint: "`psa-ledger links list` shows the links" })
        out(`Link ${id} removed.\n`)
        return Exit.done
      })
  },
  // Exact Online's consent, with the redirect caught on 127.0.0.1: cli/connect.ts.
  ...connectCommands,
  {
    name: "months",
    args: "LINK",
    summary: "the months with invoices, newest first",
    example: "psa-ledger months acme",
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async (opened) => {
        const link = await openLink(opened, positionals[0] ?? "")
        const months = await link.reconciliation.months()
        out(values.json === true ? toJson(months) : `${months.join("\n")}\n`)
        return Exit.done
      })
  },
  {
    name: "load",
    args: "LINK --month YYYY-MM [--only deviations|unlinked] [--json | --csv]",
    summary: "the month's rows: customer, product, link states, invoice vs ConnectWise, deviations",
    example: "psa-ledger load acme --month 2026-11 --only deviations",
    options: { month: { type: "string" }, only: { type: "string" }, csv: { type: "boolean" } },
    optionHelp: [
      ["--month YYYY-MM", "the invoice month (see `months`)"],
      ["--only deviations|unlinked", "only rows that differ, or rows not linked on every side"],
      ["--csv", "CSV instead of a table"]
    ],
    positionals: 1,
    run: ({ values, positionals, signal, out }) =>
      withDeployment(values, async (opened) => {
        const usage = "psa-ledger load LINK --month YYYY-MM"
        const m = month(values, usage)
        const link = await openLink(opened, positionals[0] ?? "")
        const bar = progressBar(values.json !== true && values.csv !== true)
        const grid = await link.reconciliation.load(m, { onProgress: bar.onProgress, signal })
        bar.done()
        const rows = selectRows(grid, values.only, usage).map(rowView)
        if (values.json === true) {
          out(toJson({ link: link.id, month: m, rows }))
          return Exit.done
        }
        const header = [
          "CUSTOMER",
          "PRODUCT",
          "CUST",
          "PROD",
          "AGRM",
          "INV QTY",
          "CW QTY",
          "INV COST",
          "CW COST",
          "DEVIATION"
        ]
        const cells = rows.map((r) => [
          r.customer.code,
          r.product.code,
          r.states.customer,
          r.states.product,
          r.states.agreement,
          r.invoice.quantity,
          r.connectwise.quantity ?? "",
          r.invoice.unitCost ?? "",
          r.connectwise.unitCost ?? "",
          r.deviations.join(" ")
        ])
        if (values.csv === true)
          out(
            csv(
              header.map((h) => h.toLowerCase().replaceAll(" ", "_")),
              cells
            )
          )
        else out(`${table(header, cells)}\n${plural(rows.length, "row")} of ${grid.rows.length}\n`)
        return Exit.done
      })
  },
  {
    name: "plan",
    args: "LINK --month YYYY-MM --out plan.json [--approve KINDS] [--confirm-above SCORE] [--strict]",
    summary: "plan the month's approved changes into a file; prints the summary with the cost impact",
    example: "psa-ledger plan acme --month 2026-11 --approve updateQuantity,updateUnitCost --out plan.json",
    options: {
      month: { type: "string" },
      out: { type: "string" },
      approve: { type: "string" },
      "confirm-above": { type: "string" },
      strict: { type: "boolean" }
    },
    optionHelp: [
      ["--approve KINDS", `comma-separated: ${CHANGE_KINDS.join(", ")} (default all)`],
      [
        "--confirm-above SCORE",
        "confirm suggestions scoring at least SCORE (0–1); may only raise the link's threshold"
      ],
      ["--strict", "exit 4 when rows are left unlinked"]
    ],
    positionals: 1,
    run: ({ values, positionals, signal, out }) =>
      withDeployment(values, async (opened) => {
        const usage = "psa-ledger plan LINK --month YYYY-MM --out plan.json"
        const m = month(values, usage)
        const file = values.out
        if (typeof file !== "string") throw usageError("--out FILE is needed", usage)
        const kinds = approveKinds(values.approve, usage)
        let approval: { autoAcceptAbove: number } | undefined
        if (values["confirm-above"] !== undefined) {
          const score = Number(values["confirm-above"])
          if (!Number.isFinite(score) || score < 0 || score > 1)
            throw usageError("--confirm-above must be between 0 and 1", usage)
          approval = { autoAcceptAbove: score }
        }
        const link = await openLink(opened, positionals[0] ?? "", approval)
        // The link's own threshold wins when higher: a host may only tighten it.
        const threshold = link.settings.autoAcceptAbove
        const bar = progressBar(values.json !== true)
        const grid = await link.reconciliation.load(m, { onProgress: bar.onProgress, signal })
        bar.done()
        const decisions: Record<string, RowDecision> = {}
        let unlinked = 0
        for (const row of grid.rows) {
          const confirm = (resolution: ReconciliationRow["customerResolution"]) => {
            if (resolution._tag !== "Suggested" || threshold === undefined) return undefined
            const best = resolution.candidates[0]
            return best !== undefined && best.score >= threshold
              ? new UseTarget({ targetId: best.targetId })
              : undefined
          }
          const customer = confirm(row.customerResolution)
          const product = confirm(row.productResolution)
          if (
            (!linked(row.customerResolution._tag) && customer === undefined) ||
            (!linked(row.productResolution._tag) && product === undefined && row.productResolution._tag !== "Missing")
          )
            unlinked++
          decisions[row.key] = new RowDecision({
            approve: kinds,
            ...(customer === undefined ? {} : { customer }),
            ...(product === undefined ? {} : { product })
          })
        }
        const planned = link.reconciliation.plan(grid, decisions)
        const encoded = Schema.encodeSync(ChangePlan)(planned.plan)
        await writeFile(file, toJson({ format: 1, link: link.id, month: m, plan: encoded, summary: planned.summary }))
        if (values.json === true) out(toJson({ link: link.id, month: m, file, unlinked, summary: planned.summary }))
        else {
          const s = planned.summary
          const counts = Object.entries(s.counts).map(([kind, n]) => [kind, String(n)])
          out(
            [
              `Plan for ${link.id} ${m}: ${plural(planned.plan.operations.length, "operation")} → ${file}`,
              table(["OPERATION", "COUNT"], counts),
              ...s.impact.map(
                (i) => `Monthly impact ${i.currency}: cost ${decimal(i.cost)}, price ${decimal(i.price)}`
              ),
              `${plural(s.skipped, "row")} skipped, ${plural(unlinked, "row")} left unlinked${threshold === undefined ? "" : ` (suggestions confirmed at ≥ ${threshold})`}`,
              `Next: psa-ledger apply ${file}`,
              ""
            ].join("\n")
          )
        }
        return values.strict === true && unlinked > 0 ? Exit.needsPerson : Exit.done
      })
  },
  {
    name: "apply",
    args: "plan.json",
    summary: "apply a plan to ConnectWise as a run; prints the result per operation",
    example: "psa-ledger apply plan.json",
    positionals: 1,
    run: ({ values, positionals, signal, out }) =>
      withDeployment(values, async (opened) => {
        const file = positionals[0] ?? ""
        let parsed: { plan?: unknown }
        try {
          parsed = JSON.parse(await readFile(file, "utf8")) as { plan?: unknown }
        } catch (error) {
          throw new CliError(`${file} is not a plan file`, {
            exitCode: Exit.usage,
            hint: "make one with `psa-ledger plan … --out FILE`",
            cause: error
          })
        }
        let plan: ChangePlan
        try {
          plan = Schema.decodeSync(ChangePlan)(parsed.plan as typeof ChangePlan.Encoded)
        } catch (error) {
          throw new CliError(`${file} is not a plan file`, {
            exitCode: Exit.usage,
            hint: "make one with `psa-ledger plan … --out FILE`",
            cause: error
          })
        }
        const link = await openLink(opened, plan.linkId)
        const bar = progressBar(values.json !== true)
        const result = await link.reconciliation
          .apply(plan, { onProgress: bar.onProgress, signal })
          .catch((error: unknown) => {
            bar.done()
            throw withLink(error, plan.linkId)
          })
        bar.done()
        const operations = result.report?.operations ?? []
        if (values.json === true) {
          out(toJson({ runId: result.runId, status: result.status, counts: result.report?.counts, operations }))
        } else {
          const rows = operations.map((op) => [
            op.op,
            op.key,
            op.status,
            op.status === "done" ? (op.recovered ? "recovered" : "") : `${op.reason._tag}: ${op.reason.message}`
          ])
          out(`${table(["OPERATION", "KEY", "STATUS", "DETAIL"], rows)}\n`)
          out(
            `Run ${result.runId}: ${result.status}${result.error === undefined ? "" : ` — ${result.error.message}`}\n`
          )
          if (result.status === "cancelled") out("Cancelled: what was not written is left for the next apply.\n")
        }
        return runExit(result.status)
      })
  },
  {
    name: "mappings list",
    args: "LINK [--kind KIND]",
    summary: "the remembered links of customers and products",
    example: "psa-ledger mappings list acme --json",
    options: { kind: { type: "string" } },
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async (opened) => {
        const link = await openLink(opened, positionals[0] ?? "")
        const list = await link.mappings.list(values.kind === undefined ? undefined : { kind: values.kind as never })
        if (values.json === true) out(toJson(list))
        else
          out(
            `${table(
              ["KIND", "SOURCE", "PRODUCT", "TARGET", "METHOD", "BY"],
              list.map((m) => [m.kind, m.sourceKey, m.productKey ?? "", String(m.targetId), m.method, m.decidedBy])
            )}\n`
          )
        return Exit.done
      })
  },
  {
    name: "mappings set",
    args: "LINK --kind KIND --source KEY [--product KEY] --target ID",
    summary: "remember a manual link",
    example: "psa-ledger mappings set acme --kind customer --source C0042 --target 250",
    options: {
      kind: { type: "string" },
      source: { type: "string" },
      product: { type: "string" },
      target: { type: "string" }
    },
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async (opened) => {
        const usage = "psa-ledger mappings set LINK --kind KIND --source KEY --target ID"
        if (typeof values.kind !== "string" || typeof values.source !== "string")
          throw usageError("--kind and --source are needed", usage)
        const target = Number(values.target)
        if (!Number.isInteger(target) || target <= 0) throw usageError("--target must be a ConnectWise id", usage)
        const link = await openLink(opened, positionals[0] ?? "")
        const mapping = await link.mappings.set(
          {
            kind: values.kind as never,
            sourceKey: values.source,
            ...(typeof values.product === "string" ? { productKey: values.product } : {})
          },
          target
        )
        out(
          values.json === true
            ? toJson(mapping)
            : `Remembered ${mapping.kind} ${mapping.sourceKey} → ${mapping.targetId}.\n`
        )
        return Exit.done
      })
  },
  {
    name: "mappings remove",
    args: "LINK --kind KIND --source KEY [--product KEY]",
    summary: "forget a remembered link",
    example: "psa-ledger mappings remove acme --kind customer --source C0042",
    options: { kind: { type: "string" }, source: { type: "string" }, product: { type: "string" } },
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async (opened) => {
        const usage = "psa-ledger mappings remove LINK --kind KIND --source KEY"
        if (typeof values.kind !== "string" || typeof values.source !== "string")
          throw usageError("--kind and --source are needed", usage)
        const link = await openLink(opened, positionals[0] ?? "")
        const removed = await link.mappings.remove({
          kind: values.kind as never,
          sourceKey: values.source,
          ...(typeof values.product === "string" ? { productKey: values.product } : {})
        })
        if (!removed) throw new CliError("no such mapping", { hint: "`psa-ledger mappings list LINK` shows them" })
        out("Mapping removed.\n")
        return Exit.done
      })
  },
  {
    name: "transfer",
    args: "LINK --from YYYY-MM-DD --to YYYY-MM-DD [--dry-run]",
    summary: "transfer ConnectWise invoices to Exact Online (flow B); --dry-run previews",
    example: "psa-ledger transfer acme --from 2026-11-01 --to 2026-11-30 --dry-run",
    options: { from: { type: "string" }, to: { type: "string" }, "dry-run": { type: "boolean" } },
    positionals: 1,
    run: ({ values, positionals, signal, out }) =>
      withDeployment(values, async (opened) => {
        const usage = "psa-ledger transfer LINK --from YYYY-MM-DD --to YYYY-MM-DD"
        const date = (name: string) => {
          const text = values[name]
          if (typeof text !== "string" || !/^\d{4}-\d\d-\d\d$/.test(text))
            throw usageError(`--${name} must be YYYY-MM-DD`, usage)
          return text
        }
        const range = { from: date("from"), to: date("to") }
        const link = await openLink(opened, positionals[0] ?? "")
        if (values["dry-run"] === true) {
          const preview = await link.transfer.preview(range)
          if (values.json === true) out(toJson(preview))
          else {
            const counts = new Map<string, number>()
            for (const op of preview.operations) counts.set(op._tag, (counts.get(op._tag) ?? 0) + 1)
            out(
              `${table(
                ["OPERATION", "COUNT"],
                [...counts].map(([k, n]) => [k, String(n)])
              )}\n` +
                `${plural(preview.skipped.length, "invoice")} skipped, ${plural(preview.blocked.length, "invoice")} blocked. Nothing was written.\n`
            )
          }
          return preview.blocked.length > 0 ? Exit.needsPerson : Exit.done
        }
        const bar = progressBar(values.json !== true)
        const result = await link.transfer
          .run(range, { onProgress: bar.onProgress, signal })
          .catch((error: unknown) => {
            bar.done()
            throw withLink(error, link.id)
          })
        bar.done()
        if (values.json === true)
          out(
            toJson({
              runId: result.runId,
              status: result.status,
              counts: result.report?.counts,
              invoices: result.report?.invoices ?? []
            })
          )
        else {
          const counts = Object.entries(result.report?.counts ?? {}).map(([k, n]) => [k, String(n)])
          out(`${table(["INVOICES", "COUNT"], counts)}\nRun ${result.runId}: ${result.status}\n`)
        }
        // A blocked invoice or a booked total that differs is not a failure but waits for a person.
        const waiting = (result.report?.counts.blocked ?? 0) + (result.report?.counts.totalDiffers ?? 0)
        const exit = runExit(result.status)
        return exit === Exit.done && waiting > 0 ? Exit.needsPerson : exit
      })
  },
  {
    name: "payments",
    args: "LINK",
    summary: "record Exact Online's payments on the ConnectWise invoices (flow B)",
    example: "psa-ledger payments acme",
    positionals: 1,
    run: ({ values, positionals, signal, out }) =>
      withDeployment(values, async (opened) => {
        const link = await openLink(opened, positionals[0] ?? "")
        const bar = progressBar(values.json !== true)
        const result = await link.transfer.syncPayments({ onProgress: bar.onProgress, signal })
        bar.done()
        if (values.json === true)
          out(toJson({ runId: result.runId, status: result.status, counts: result.report?.counts }))
        else {
          const counts = Object.entries(result.report?.counts ?? {}).map(([k, n]) => [k, String(n)])
          out(`${table(["INVOICES", "COUNT"], counts)}\nRun ${result.runId}: ${result.status}\n`)
        }
        return runExit(result.status)
      })
  },
  {
    name: "runs",
    args: "LINK [--limit N] [--unfinished]",
    summary: "the link's runs, newest first; --unfinished: the runs a dead process left part-way, to resume or abandon",
    example: "psa-ledger runs acme --unfinished",
    options: { limit: { type: "string" }, unfinished: { type: "boolean" } },
    optionHelp: [
      ["--unfinished", "list the runs a dead process left part-way; a new apply or transfer waits for them"]
    ],
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async (opened) => {
        const link = await openLink(opened, positionals[0] ?? "")
        if (values.unfinished === true) {
          const left = await link.runs.unfinished()
          if (values.json === true) out(toJson(left))
          else {
            out(
              `${table(
                ["RUN", "JOB", "SAVED", "LAST RUN", "PLAN"],
                left.map((u) => [
                  u.runId,
                  u.job,
                  u.savedAt,
                  u.lastRunId,
                  Object.entries(u.details)
                    .map(([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`)
                    .join(", ")
                ])
              )}\n`
            )
            const [first] = left
            out(
              first === undefined
                ? "No unfinished runs.\n"
                : `Next: psa-ledger resume ${first.runId} --link ${link.id}, or psa-ledger abandon ${first.runId} --link ${link.id} --reason TEXT\n`
            )
          }
          return Exit.done
        }
        const limit = values.limit === undefined ? 20 : Number(values.limit)
        if (!Number.isInteger(limit) || limit <= 0)
          throw usageError("--limit must be a whole number", "psa-ledger runs LINK")
        const runs = await link.runs.list({ limit })
        if (values.json === true) out(toJson(runs))
        else
          out(
            `${table(
              ["RUN", "JOB", "STATUS", "STARTED", "SUMMARY"],
              runs.map((r) => [r.id, r.job, r.status, toJson(r.startedAt).trim().replaceAll('"', ""), r.summary ?? ""])
            )}\n`
          )
        return Exit.done
      })
  },
  {
    name: "log",
    args: "RUN [--link LINK] [--json] [--follow]",
    summary: "a run's log: text, or its entries with --json; --follow prints entries as a running run writes them",
    example: "psa-ledger log 6f1c… --follow",
    options: { link: { type: "string" }, follow: { type: "boolean" } },
    positionals: 1,
    run: ({ values, positionals, signal, out }) =>
      withDeployment(values, async (opened) => {
        const runId = positionals[0] ?? ""
        const ids =
          typeof values.link === "string" ? [values.link] : (await opened.deployment.links.list()).map((l) => l.id)
        for (const id of ids) {
          const link = await opened.deployment.links.open(id)
          if ((await link.runs.get(runId)) === undefined) continue
          const log = link.runs.log(runId)
          if (values.follow === true) {
            // One entry per line as it is written (JSON lines with --json), then the run's outcome.
            for await (const entry of log.follow({ signal })) {
              out(values.json === true ? toJson(entry, 0) : `${renderLog([entry])}\n`)
            }
            const run = await link.runs.get(runId)
            if (signal.aborted) return Exit.interrupted
            if (values.json !== true) out(`Run ${runId}: ${run?.status ?? "unknown"}\n`)
            return run === undefined ? Exit.failed : runExit(run.status)
          }
          if (values.json === true) {
            const entries = []
            for await (const entry of log) entries.push(entry)
            out(toJson(entries))
          } else out(`${await log.text()}\n`)
          return Exit.done
        }
        throw new CliError(`no run ${JSON.stringify(runId)}`, { hint: "`psa-ledger runs LINK` lists the runs" })
      })
  },
  {
    name: "resume",
    args: "RUN [--link LINK]",
    summary: "finish the stored plan of a run a dead process left part-way, as a new run; nothing it did is done again",
    example: "psa-ledger resume 6f1c… --link acme",
    options: { link: { type: "string" } },
    positionals: 1,
    run: ({ values, positionals, signal, out }) =>
      withDeployment(values, async (opened) => {
        const runId = positionals[0] ?? ""
        const link = await linkOfUnfinished(opened, runId, values.link)
        const bar = progressBar(values.json !== true)
        const result = await link.runs.resume(runId, { onProgress: bar.onProgress, signal }).finally(() => bar.done())
        const counts = (result.report as { counts?: Record<string, number> } | undefined)?.counts ?? {}
        if (values.json === true) out(toJson({ runId: result.runId, resumes: runId, status: result.status, counts }))
        else {
          const rows = Object.entries(counts).map(([k, n]) => [k, String(n)])
          out(
            `${table(["COUNT", "N"], rows)}\nRun ${result.runId} (resuming ${runId}): ${result.status}${result.error === undefined ? "" : ` — ${result.error.message}`}\n`
          )
        }
        return runExit(result.status)
      })
  },
  {
    name: "abandon",
    args: "RUN --reason TEXT [--link LINK]",
    summary: "give up the stored plan of a run a dead process left part-way (then plan again)",
    example: 'psa-ledger abandon 6f1c… --link acme --reason "the month was planned again"',
    options: { link: { type: "string" }, reason: { type: "string" } },
    optionHelp: [
      ["--reason TEXT", "why the plan is given up (kept with the run)"],
      ["--link LINK", "the run's link (default: the link that has it)"]
    ],
    positionals: 1,
    run: ({ values, positionals, out }) =>
      withDeployment(values, async (opened) => {
        const reason = typeof values.reason === "string" ? values.reason.trim() : ""
        if (reason === "")
          throw usageError("--reason is needed: why the plan is given up", "psa-ledger abandon RUN --reason TEXT")
        const runId = positionals[0] ?? ""
        const link = await linkOfUnfinished(opened, runId, values.link)
        const abandoned = await link.runs.abandon(runId, { reason })
        if (!abandoned) {
          throw new CliError(`run ${runId} has no open plan any more`, {
            hint: `\`psa-ledger runs ${link.id} --unfinished\` lists the unfinished runs`
          })
        }
        out(
          values.json === true
            ? toJson({ runId, linkId: link.id, abandoned, reason })
            : `Run ${runId} abandoned: its plan is closed; plan again with \`psa-ledger plan ${link.id} …\`.\n`
        )
        return Exit.done
      })
  },
  // The hosts: the server with the portal (cli/serve.ts), the fleet's worker and its manual play (cli/worker.ts).
  ...serveCommands,
  ...workerCommands
]
