/**
 * The Exact Online part of the sandbox: a stateful simulation, its msw handlers, a node:http server
 * and a seeded data generator.
 *
 * @since 0.1.0
 */
export {
  createExactSimulation,
  type ExactApp,
  type ExactDivisionSeed,
  type ExactFault,
  type ExactSimulation,
  type ExactSimulationOptions,
  type ExactSimulationStats,
  type SimDocument
} from "./ExactSimulation.ts"
export { exactHandlers, exactHosts } from "./handlers.ts"
export { type ExactSeedOptions, type ExactSeedResult, seedExactDivision } from "./seed.ts"
export { type ExactServer, startExactServer } from "./server.ts"
