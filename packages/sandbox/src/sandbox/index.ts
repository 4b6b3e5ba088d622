/**
 * The sandbox: a world loaded into both simulations, on one clock, behind seeded faults; as msw
 * handlers or a real HTTP server.
 *
 * @since 0.1.0
 */
export type {
  FaultEvent,
  FaultKind,
  FaultRule,
  SandboxFaults,
  SandboxSystem
} from "./Faults.ts"
export { type SandboxHandlerOptions, sandboxHandlers, sandboxOrigin } from "./handlers.ts"
export type { SandboxConsent, SandboxLinkConfig, SandboxLinkConfigWith, SandboxLinkSettings } from "./link.ts"
export { exactDivisionOf, loadConnectWiseWorld, loadExactWorld } from "./load.ts"
export {
  type ConnectWiseCredentials,
  createSandbox,
  demoCredentials,
  type ExactCredentials,
  type Sandbox,
  type SandboxCredentials,
  type SandboxOptions,
  type SandboxUrls
} from "./Sandbox.ts"
export { type SandboxServer, type SandboxServerOptions, startSandboxServer } from "./server.ts"
