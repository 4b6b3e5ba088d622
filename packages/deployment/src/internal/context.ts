import type { ExactClock } from "@psa-ledger/exact-client"
import type { LinkApi, Mailer } from "@psa-ledger/link"
import { StorageError } from "@psa-ledger/reconcile-core"
import type { Storage } from "@psa-ledger/storage-adapters"
import { Effect, Schema, SchemaIssue } from "effect"
import {
  DeploymentError,
  DeploymentInvalidConfigError,
  DeploymentLinkExistsError,
  DeploymentReadOnlyError,
  DeploymentStorageError,
  DeploymentVersionConflictError,
  fail
} from "../DeploymentError.ts"

/** SMTP settings with the password opened, for a host's mailer factory. */
export interface SmtpConnection {
  readonly host: string
  readonly port: number
  readonly secure?: boolean | undefined
  readonly user?: string | undefined
  readonly password?: string | undefined
  readonly from: string
}

/** What every part of a deployment shares. */
export interface DeploymentContext {
  readonly storage: Storage
  /** The deployment's secret key; undefined when read-only. Swapped by a rotation. */
  secretKey: Buffer | undefined
  readonly now: () => number
  readonly clock: ExactClock | undefined
  readonly fetch: ((request: Request) => Promise<Response>) | undefined
  readonly mailer: Mailer | ((smtp: SmtpConnection) => Mailer) | undefined
  readonly actor: string
  /** The links' lease length (`DeploymentOptions.leaseMs`). */
  readonly leaseMs: number | undefined
  readonly listeners: Set<() => void>
  /** Opened links by id, with the record version they were built from. */
  readonly opened: Map<string, { readonly version: number; readonly api: LinkApi }>
  /** Look-ups by link id, with when they were read. */
  readonly lookups: Map<string, { readonly at: number; readonly version: number; readonly value: unknown }>
}

/** The owner of deployment-wide records. */
export const DEPLOYMENT = "@deployment" as const

/** Tells every `onChange` listener to re-read; a throwing listener is ignored. */
export const notify = (ctx: DeploymentContext): void => {
  for (const listener of ctx.listeners) {
    try {
      listener()
    } catch {
      // A scheduler's bug must not fail the configuration change that was already saved.
    }
  }
}

/** Refuses a write (or anything needing a secret) on a read-only deployment. */
export const requireKey = (ctx: DeploymentContext, operation: string): Buffer => {
  if (ctx.secretKey === undefined) {
    throw fail(
      operation,
      new DeploymentReadOnlyError({
        message:
          "this deployment was opened without a secret key (PSA_LEDGER_SECRET_KEY or PSA_LEDGER_SECRET_KEY_FILE): it is read-only"
      })
    )
  }
  return ctx.secretKey
}

/** A storage failure as the deployment's error: a stale version is `VersionConflict`. */
export const fromStorage = (operation: string, error: unknown, linkId?: string): DeploymentError => {
  if (error instanceof DeploymentError) return error
  if (error instanceof StorageError) {
    if (error.reason._tag === "Conflict") {
      // A create is a put expecting version 0: its conflict means the id is taken.
      return linkId !== undefined && /expected version 0,/.test(error.reason.message)
        ? fail(operation, new DeploymentLinkExistsError({ linkId }))
        : fail(
            operation,
            new DeploymentVersionConflictError({ record: error.reason.record, message: error.reason.message })
          )
    }
    if (error.reason._tag === "InvalidInput") {
      return fail(
        operation,
        new DeploymentInvalidConfigError({
          record: error.reason.record,
          field: error.reason.field,
          message: error.reason.message
        })
      )
    }
    return fail(operation, new DeploymentStorageError({ message: error.message, cause: error }))
  }
  return fail(
    operation,
    new DeploymentStorageError({ message: error instanceof Error ? error.message : String(error) })
  )
}

/** Runs a storage Effect as a promise rejecting with `DeploymentError`. */
export const store = <A>(operation: string, effect: Effect.Effect<A, StorageError>, linkId?: string): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.mapError((error) => fromStorage(operation, error, linkId)))).catch(
    (error: unknown) => {
      throw unwrap(error, operation, linkId)
    }
  )

// Effect.runPromise rejects with the failure itself in v4; a fiber failure wrapper is unwrapped here.
const unwrap = (error: unknown, operation: string, linkId?: string): unknown => {
  if (error instanceof DeploymentError) return error
  const cause = (error as { cause?: unknown } | undefined)?.cause
  if (cause instanceof DeploymentError) return cause
  return fromStorage(operation, error, linkId)
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** Decodes `input`, or throws `InvalidConfig` naming the first field that does not decode. */
export const decodeOrFail = <S extends Schema.Codec<unknown, unknown>>(
  schema: S,
  record: string,
  operation: string,
  input: unknown,
  /** Where the value sits in a bigger document, put before the field's own path. */
  at?: string
): S["Type"] => {
  try {
    return Schema.decodeUnknownSync(schema)(input) as S["Type"]
  } catch (error) {
    const issue = (error as { issue?: SchemaIssue.Issue }).issue
    const [first] = issue === undefined ? [] : formatter(issue).issues
    const path = first?.path?.map((segment) => String(typeof segment === "object" ? segment.key : segment)) ?? []
    throw fail(
      operation,
      new DeploymentInvalidConfigError({
        record,
        field: [...(at === undefined ? [] : [at]), ...path].join(".") || "(value)",
        message: first?.message ?? "does not decode"
      })
    )
  }
}
