import { Schema } from "effect"

// Each reason class is named `Deployment…Error` so that no export collides with another package's; its
// `_tag` stays the short word, since hosts switch on it and the server sends it.
/**
 * A configuration (or deployment setting) did not decode: `field` is the dotted path of the first
 * problem. Nothing was saved.
 *
 * @since 0.1.0
 */
export class DeploymentInvalidConfigError extends Schema.TaggedClass<DeploymentInvalidConfigError>()("InvalidConfig", {
  record: Schema.String,
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * No link has this id.
 *
 * @since 0.1.0
 */
export class DeploymentLinkNotFoundError extends Schema.TaggedClass<DeploymentLinkNotFoundError>()("LinkNotFound", {
  linkId: Schema.String
}) {}

/**
 * A link with this id exists already (create, or import without `replace`).
 *
 * @since 0.1.0
 */
export class DeploymentLinkExistsError extends Schema.TaggedClass<DeploymentLinkExistsError>()("LinkExists", {
  linkId: Schema.String
}) {}

/**
 * The record changed since it was read: `expectedVersion` is stale. Read again and retry.
 *
 * @since 0.1.0
 */
export class DeploymentVersionConflictError extends Schema.TaggedClass<DeploymentVersionConflictError>()(
  "VersionConflict",
  {
    record: Schema.String,
    message: Schema.String
  }
) {}

/**
 * The deployment was opened without a secret key: it can list and show configurations, nothing
 * that needs a secret (writing one, opening a link, connecting Exact, testing).
 *
 * @since 0.1.0
 */
export class DeploymentReadOnlyError extends Schema.TaggedClass<DeploymentReadOnlyError>()("ReadOnlyDeployment", {
  message: Schema.String
}) {}

/**
 * The secret key is malformed, or is not the key this deployment's secrets were sealed with.
 *
 * @since 0.1.0
 */
export class DeploymentWrongSecretKeyError extends Schema.TaggedClass<DeploymentWrongSecretKeyError>()(
  "WrongSecretKey",
  {
    message: Schema.String
  }
) {}

/**
 * An OAuth callback whose `state` is unknown, expired, already used, or (with a code Exact refused)
 * not exchangeable. Nothing was stored.
 *
 * @since 0.1.0
 */
export class DeploymentOAuthRefusedError extends Schema.TaggedClass<DeploymentOAuthRefusedError>()("OAuthRefused", {
  why: Schema.Literals(["UnknownState", "ExpiredState", "ReplayedState", "CodeRefused", "OtherDivision"]),
  linkId: Schema.optional(Schema.String),
  message: Schema.String
}) {}

/**
 * A storage operation failed (`cause` is the port's `StorageError`).
 *
 * @since 0.1.0
 */
export class DeploymentStorageError extends Schema.TaggedClass<DeploymentStorageError>()("DeploymentStorage", {
  message: Schema.String,
  cause: Schema.optional(Schema.Unknown)
}) {}

/**
 * A call to ConnectWise or Exact Online failed outside a connection test (e.g. listing divisions).
 *
 * @since 0.1.0
 */
export class DeploymentUpstreamError extends Schema.TaggedClass<DeploymentUpstreamError>()("DeploymentUpstream", {
  system: Schema.Literals(["connectwise", "exact"]),
  message: Schema.String,
  cause: Schema.optional(Schema.Unknown)
}) {}

/**
 * Why a deployment operation failed.
 *
 * @since 0.1.0
 */
export const DeploymentErrorReason = Schema.Union([
  DeploymentInvalidConfigError,
  DeploymentLinkNotFoundError,
  DeploymentLinkExistsError,
  DeploymentVersionConflictError,
  DeploymentReadOnlyError,
  DeploymentWrongSecretKeyError,
  DeploymentOAuthRefusedError,
  DeploymentStorageError,
  DeploymentUpstreamError
])

/**
 * @since 0.1.0
 */
export type DeploymentErrorReason = typeof DeploymentErrorReason.Type

/**
 * The one error a deployment rejects with; `reason._tag` says why. Its message never holds a secret.
 *
 * @since 0.1.0
 */
export class DeploymentError extends Schema.TaggedError<DeploymentError>()("DeploymentError", {
  operation: Schema.String,
  reason: DeploymentErrorReason
}) {
  override get message(): string {
    const r = this.reason
    const detail =
      r._tag === "InvalidConfig"
        ? `${r.record}.${r.field}: ${r.message}`
        : r._tag === "LinkNotFound"
          ? `no link ${r.linkId}`
          : r._tag === "LinkExists"
            ? `link ${r.linkId} exists already`
            : r._tag === "OAuthRefused"
              ? `${r.why}: ${r.message}`
              : r.message
    return `${this.operation} failed, ${r._tag}: ${detail}`
  }
}

/** @internal: a failure of `operation` with `reason`. */
export const fail = (operation: string, reason: DeploymentErrorReason): DeploymentError =>
  new DeploymentError({ operation, reason })
