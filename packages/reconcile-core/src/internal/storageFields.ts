import { Schema } from "effect"
import { StorageLimits } from "../ports/StorageLimits.ts"

// Field schemas of stored records, sized by the shared limits.
export const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))
export const Label = Schema.String.check(Schema.isMaxLength(StorageLimits.label))
export const Text = Schema.String.check(Schema.isMaxLength(StorageLimits.text))
// An instant, ISO-8601 text when encoded.
export const Instant = Schema.DateTimeUtcFromString
