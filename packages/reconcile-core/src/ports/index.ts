export * from "./LinkStore.ts"
export * from "./MappingStore.ts"
export * from "./PlanJournal.ts"
export * from "./RunStore.ts"
export {
  decodeFromStorage,
  encodeForStorage,
  LinkId,
  makeForStorage,
  StorageLimits,
  scopedByLink,
  validateLinkId
} from "./StorageCodec.ts"
export * from "./StorageError.ts"
export * from "./TransferLedger.ts"
