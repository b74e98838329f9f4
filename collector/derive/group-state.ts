/** A group's replication state as shown (domain.md §2.3), from the state its source measured. */
import type { GroupState } from "../../model/entities.ts";

/**
 * `active` says the group's changes flow to the recovery site. A site whose replication links are
 * all down or reconnecting moves nothing, whatever the group's own bookkeeping says, so the group
 * reads `error` (a transport fault) until a link is up again; every other state already says the
 * changes do not flow as usual and is kept. `linksUp` is undefined when the source reports no link
 * for the group's site: then the measured state is all there is.
 */
export function groupStateShown(measured: GroupState, linksUp: boolean | undefined): GroupState {
  return measured === "active" && linksUp === false ? "error" : measured;
}
