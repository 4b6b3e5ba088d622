/**
 * Faithful, stateful simulations of the ConnectWise PSA and Exact Online APIs.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/sandbox" as const

export {
  type SandboxClock,
  type ScaledClockOptions,
  scaledClock,
  systemClock,
  type VirtualClock,
  virtualClock
} from "./clock.ts"
export * from "./connectwise/index.ts"
export * from "./exact/index.ts"
export {
  type LockstepCoordinator,
  type LockstepParticipant,
  type LockstepParticipantOptions,
  type LockstepPort,
  lockstepCoordinator,
  lockstepParticipant
} from "./lockstep.ts"
export * from "./sandbox/index.ts"
export * from "./world/index.ts"
