/**
 * The sandbox: a world loaded into both simulations, on one clock, behind seeded faults; as msw
 * handlers or a real HTTP server.
 *
 * @module
 */
export { type FaultEvent, type FaultKind, type FaultRule, SandboxFaults, type SandboxSystem } from "./Faults.ts"
export { type SandboxHandlerOptions, sandboxHandlers, sandboxOrigin } from "./handlers.ts"
export { exactDivisionOf, loadConnectWiseWorld, loadExactWorld } from "./load.ts"
export {
  type ConnectWiseCredentials,
  createSandbox,
  demoCredentials,
  type ExactCredentials,
  type Sandbox,
  type SandboxCredentials,
  type SandboxOptions,
  type SandboxUrls,
  sandboxPaths
} from "./Sandbox.ts"
export { type SandboxServer, type SandboxServerOptions, startSandboxServer } from "./server.ts"
