import {
  type ApprovalStore,
  type DraftStore,
  makeMemoryApprovalStore,
  makeMemoryDraftStore,
  makeMemoryRunEventStore,
  makeMemorySessionStore,
  makeMemoryThrottleStore,
  makeMemoryUserStore,
  type RunEventStore,
  type SessionStore,
  type ThrottleStore,
  type UserStore
} from "@psa-ledger/reconcile-core"
import { makeSqlApprovalStore } from "./approvalStore.ts"
import { makeSqlDraftStore } from "./draftStore.ts"
import type { Driver } from "./driver.ts"
import { makeSqlRunEventStore } from "./runEventStore.ts"
import { makeSqlSessionStore } from "./sessionStore.ts"
import { makeSqlThrottleStore } from "./throttleStore.ts"
import { makeSqlUserStore } from "./userStore.ts"

/** The stores an HTTP server keeps: users and grants, sessions, throttle counters, drafts, run events, approvals. */
export interface ServerStores {
  readonly users: UserStore["Service"]
  readonly sessions: SessionStore["Service"]
  readonly throttle: ThrottleStore["Service"]
  readonly drafts: DraftStore["Service"]
  readonly runEvents: RunEventStore["Service"]
  readonly approvals: ApprovalStore["Service"]
}

/** The server stores over one SQL driver. */
export const makeSqlServerStores = (driver: Driver): ServerStores => ({
  users: makeSqlUserStore(driver),
  sessions: makeSqlSessionStore(driver),
  throttle: makeSqlThrottleStore(driver),
  drafts: makeSqlDraftStore(driver),
  runEvents: makeSqlRunEventStore(driver),
  approvals: makeSqlApprovalStore(driver)
})

/** The server stores held in memory. */
export const makeMemoryServerStores = (): ServerStores => ({
  users: makeMemoryUserStore(),
  sessions: makeMemorySessionStore(),
  throttle: makeMemoryThrottleStore(),
  drafts: makeMemoryDraftStore(),
  runEvents: makeMemoryRunEventStore(),
  approvals: makeMemoryApprovalStore()
})
