/** The recovery site's journal: what the engine's site composition and link receiver use. */
export { JournalFullError, type RecoveryEvent, RecoveryGroup, type RecoveryGroupOptions } from "./group.ts";
