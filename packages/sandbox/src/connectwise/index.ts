/**
 * The ConnectWise PSA part of the sandbox: a stateful simulation, its msw handlers, a node:http
 * server and a seeded data generator.
 */
export { ConditionsSyntaxError, parseConditions } from "./internal/conditions.ts"
export { RawNumber, rawNumber } from "./internal/json.ts"
export { connectWiseHandlers } from "./msw.ts"
export {
  type ConnectWiseCollection,
  ConnectWiseFaults,
  type ConnectWiseRecord,
  ConnectWiseRequestCounter,
  type ConnectWiseRequestLogEntry,
  ConnectWiseSimulation,
  type ConnectWiseSimulationOptions,
  ConnectWiseStore,
  type FaultMatch
} from "./Simulation.ts"
export { type ConnectWiseSeedOptions, type ConnectWiseSeedResult, seedConnectWise } from "./seed.ts"
export { type ConnectWiseServer, startConnectWiseServer } from "./server.ts"
