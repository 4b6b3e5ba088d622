import {
  type ExclusionStore,
  guardLinkIds,
  type LinkStore,
  type MappingStore,
  type PlanJournal,
  type RunLeases,
  type RunPlans,
  type RunStore,
  scopedByLink,
  type TransferLedger
} from "@psa-ledger/reconcile-core"
import type { Driver } from "./driver.ts"
import { makeSqlExclusionStore } from "./exclusionStore.ts"
import { makeSqlLinkStore } from "./linkStore.ts"
import { makeSqlMappingStore } from "./mappingStore.ts"
import { makeSqlPlanJournal } from "./planJournal.ts"
import { makeSqlRunLeases } from "./runLeases.ts"
import { makeSqlRunPlans } from "./runPlans.ts"
import { makeSqlRunStore } from "./runStore.ts"
import { makeSqlTransferLedger } from "./transferLedger.ts"

/** The port services as one record. */
export interface PortStores {
  readonly mappings: MappingStore["Service"]
  /** The remembered exclusions ("ignore this product / customer for good"). */
  readonly exclusions: ExclusionStore["Service"]
  readonly runs: RunStore["Service"]
  readonly journal: PlanJournal["Service"]
  readonly transfers: TransferLedger["Service"]
  readonly links: LinkStore["Service"]
  /** One run per link at a time: the per-link run lease. */
  readonly leases: RunLeases["Service"]
  /** The plans of runs, kept until finished, so a killed run is resumed rather than planned again. */
  readonly plans: RunPlans["Service"]
}

/** The port services over one SQL driver; the SQL is shared by SQLite and PostgreSQL. */
export const makeSqlStores = (driver: Driver): PortStores => ({
  mappings: scopedByLink("MappingStore", makeSqlMappingStore(driver)),
  exclusions: scopedByLink("ExclusionStore", makeSqlExclusionStore(driver)),
  runs: scopedByLink("RunStore", makeSqlRunStore(driver)),
  journal: scopedByLink("PlanJournal", makeSqlPlanJournal(driver)),
  transfers: scopedByLink("TransferLedger", makeSqlTransferLedger(driver)),
  links: guardLinkIds(makeSqlLinkStore(driver)),
  leases: scopedByLink("RunLeases", makeSqlRunLeases(driver)),
  plans: scopedByLink("RunPlans", makeSqlRunPlans(driver))
})
