/**
 * Deprecated names of the sandbox clock from before both simulations shared one.
 *
 * @since 0.1.0
 */
import { type SandboxClock, systemClock, type VirtualClock, virtualClock } from "../clock.ts"

/**
 * @deprecated Use {@link SandboxClock}.
 * @since 0.1.0
 */
export type ExactClock = SandboxClock

/**
 * @deprecated Use {@link VirtualClock}.
 * @since 0.1.0
 */
export type ExactVirtualClock = VirtualClock

/**
 * @deprecated Use {@link systemClock}.
 * @since 0.1.0
 */
export const exactSystemClock: SandboxClock = systemClock

/**
 * @deprecated Use {@link virtualClock}.
 * @since 0.1.0
 */
export const exactVirtualClock: (start?: number) => VirtualClock = virtualClock
