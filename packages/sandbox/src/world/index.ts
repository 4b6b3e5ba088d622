/**
 * The simulated MSP: `createWorld` and the shapes of its records and truth.
 *
 * @module
 */
export type * from "./ConnectWiseRecords.ts"
export type * from "./ExactRecords.ts"
export {
  type DeviationCounts,
  defaultDeviations,
  type ResolvedWorldOptions,
  type WorldOptions,
  WorldOptionsError
} from "./Options.ts"
export * from "./Truth.ts"
export { createWorld, type World } from "./World.ts"
