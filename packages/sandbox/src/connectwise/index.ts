/**
 * The ConnectWise PSA part of the sandbox: a stateful simulation, its msw handlers, a node:http
 * server and a seeded data generator.
 *
 * @since 0.1.0
 */
export {
  type ConditionLiteral,
  type ConditionNode,
  type ConditionOperator,
  ConditionsSyntaxError,
  parseConditions
} from "./Conditions.ts"
export { connectWiseHandlers } from "./msw.ts"
export { RawNumber, rawNumber } from "./RawNumber.ts"
export {
  type ConnectWiseCollection,
  type ConnectWiseFaults,
  type ConnectWiseRecord,
  type ConnectWiseRequestCounter,
  type ConnectWiseRequestLogEntry,
  ConnectWiseSimulation,
  type ConnectWiseSimulationOptions,
  type ConnectWiseStore,
  type FaultMatch
} from "./Simulation.ts"
export { type ConnectWiseSeedOptions, type ConnectWiseSeedResult, seedConnectWise } from "./seed.ts"
export { type ConnectWiseServer, startConnectWiseServer } from "./server.ts"
