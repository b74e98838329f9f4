/**
 * The old production site's divergence report (production/divergence.ts), kept by the site the
 * group failed over to in `<group dir>/old-side.json` as it arrives over the link: reprotect needs
 * it, and it must survive a restart of either site.
 */
import { join } from "node:path";
import type { DivergenceReport } from "../production/divergence.ts";
import { readState, writeState } from "../production/state-file.ts";

export const OLD_SIDE_FILE = "old-side.json";

export function readOldSide(groupDir: string): DivergenceReport | null {
  return readState<DivergenceReport | null>(join(groupDir, OLD_SIDE_FILE), null);
}

export function writeOldSide(groupDir: string, report: DivergenceReport): Promise<void> {
  return writeState(join(groupDir, OLD_SIDE_FILE), report);
}
