import {
  type AuditStore,
  type ConfigStore,
  makeMemoryAuditStore,
  makeMemoryConfigStore,
  makeMemoryOAuthStateStore,
  makeMemorySecretStore,
  type OAuthStateStore,
  type SecretStore
} from "@psa-ledger/reconcile-core"
import { makeSqlAuditStore } from "./auditStore.ts"
import { makeSqlConfigStore } from "./configStore.ts"
import type { Driver } from "./driver.ts"
import type { KeyRing } from "./keyRing.ts"
import { makeSqlOAuthStateStore } from "./oauthStateStore.ts"
import { makeSqlSecretStore } from "./secretStore.ts"

/** The stores a deployment keeps beside its links, as one record. */
export interface DeploymentStores {
  readonly secrets: SecretStore["Service"]
  readonly oauthStates: OAuthStateStore["Service"]
  readonly audit: AuditStore["Service"]
  readonly configs: ConfigStore["Service"]
}

/** The deployment stores over one SQL driver, sealing secrets with the ring's keys. */
export const makeSqlDeploymentStores = (driver: Driver, ring: KeyRing): DeploymentStores => ({
  secrets: makeSqlSecretStore(driver, ring),
  oauthStates: makeSqlOAuthStateStore(driver),
  audit: makeSqlAuditStore(driver),
  configs: makeSqlConfigStore(driver)
})

/** The deployment stores held in memory. */
export const makeMemoryDeploymentStores = (): DeploymentStores => ({
  secrets: makeMemorySecretStore(),
  oauthStates: makeMemoryOAuthStateStore(),
  audit: makeMemoryAuditStore(),
  configs: makeMemoryConfigStore()
})
