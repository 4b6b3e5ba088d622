import { LinkSettings, TransferSettings } from "@psa-ledger/reconcile-core"
import { Schema } from "effect"
import { LinkConfig, LinkConfigInput, type LinkSecretField, linkSecretFields } from "../LinkConfig.ts"
import { decodeOrFail } from "./context.ts"

/** A decoded input: the configuration to store, and the secrets given with it. */
export interface DecodedInput {
  readonly config: LinkConfig
  readonly encoded: typeof LinkConfig.Encoded
  readonly secrets: Partial<Record<LinkSecretField, string>>
}

const encodeConfig = Schema.encodeSync(LinkConfig)

/** Decodes what a form or file sent; throws `InvalidConfig` naming the field. */
export const decodeInput = (input: unknown, operation: string): DecodedInput => {
  const decoded = decodeOrFail(LinkConfigInput, "LinkConfig", operation, input)
  const { privateKey, ...connectwise } = decoded.connectwise
  const { clientSecret, ...exact } = decoded.exact
  const config: LinkConfig = { ...decoded, format: 1, connectwise, exact }
  const secrets: Partial<Record<LinkSecretField, string>> = {}
  if (privateKey !== undefined) secrets["connectwise.privateKey"] = privateKey
  if (clientSecret !== undefined) secrets["exact.clientSecret"] = clientSecret
  return { config, encoded: encodeConfig(config), secrets }
}

/** Decodes a stored configuration; a record this release cannot read is `InvalidConfig` naming the field. */
export const decodeStored = (stored: unknown, operation: string): LinkConfig =>
  decodeOrFail(LinkConfig, "LinkConfig", operation, stored)

/** The dotted paths of the leaves that differ between two JSON values (for the audit, never values). */
export const changedFields = (before: unknown, after: unknown, prefix = ""): Array<string> => {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v)
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    return keys.flatMap((key) => changedFields(before[key], after[key], prefix === "" ? key : `${prefix}.${key}`))
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix === "" ? "(config)" : prefix]
}

/** Every secret field name, for removing a link's secrets. */
export const secretFieldNames: ReadonlyArray<LinkSecretField> = linkSecretFields

/** The link settings with the approval policy applied, tightened by the host's. */
export const settingsWithApproval = (config: LinkConfig, tighter: LinkConfig["approval"] | undefined): LinkSettings => {
  const policy = config.approval ?? {}
  const base = config.settings
  const autoAcceptAbove = maxDefined(policy.autoAcceptAbove ?? base.autoAcceptAbove, tighter?.autoAcceptAbove)
  const kinds = policy.autoApprove ?? base.autoApprove
  const autoApprove =
    tighter?.autoApprove === undefined ? kinds : (kinds ?? []).filter((kind) => tighter.autoApprove?.includes(kind))
  const createAccounts = strictest(policy.createAccounts ?? base.transfer?.createAccounts, tighter?.createAccounts)
  return new LinkSettings({
    ...base,
    ...(autoAcceptAbove === undefined ? {} : { autoAcceptAbove }),
    ...(autoApprove === undefined ? {} : { autoApprove }),
    ...(base.transfer === undefined || createAccounts === undefined
      ? {}
      : { transfer: new TransferSettings({ ...base.transfer, createAccounts }) })
  })
}

type AccountCreation = "ask" | "auto" | "never"
// From the most to the least a host may allow: a host's policy can only move down this list.
const ACCOUNT_CREATION: ReadonlyArray<AccountCreation> = ["auto", "ask", "never"]
const strictest = (a: AccountCreation | undefined, b: AccountCreation | undefined): AccountCreation | undefined =>
  a === undefined ? b : b === undefined ? a : ACCOUNT_CREATION.indexOf(a) > ACCOUNT_CREATION.indexOf(b) ? a : b

const maxDefined = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b)
