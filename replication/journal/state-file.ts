/**
 * `state.json` in the group directory: the few facts the segments cannot tell on their own,
 * replaced atomically. It is written when history is trimmed or reset, not per batch, so it
 * adds no fdatasync to the data path.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "./files.ts";

const groupState = z
  .object({
    version: z.literal(1),
    /** Oldest point whose image can be rebuilt once no undo record older than it remains. */
    baseSeq: z.number().int().nonnegative(),
    baseTimestamp: z.number().nonnegative(),
    /** Distributed and synced to the replicas; the floor for applied markers found in segments. */
    appliedSeq: z.number().int().nonnegative(),
    resyncing: z.boolean(),
    /** Times the point-in-time history was discarded (resyncs). */
    historyResets: z.number().int().nonnegative(),
    trimmedBytesByTime: z.number().nonnegative(),
    trimmedBytesBySpace: z.number().nonnegative(),
    /** The production site this journal replicates from, bound at its first authenticated contact. */
    sourceSite: z.string().min(1).optional(),
  })
  .strict();
export type GroupState = z.infer<typeof groupState>;

export const INITIAL_STATE: GroupState = {
  version: 1,
  baseSeq: 0,
  baseTimestamp: 0,
  appliedSeq: 0,
  resyncing: false,
  historyResets: 0,
  trimmedBytesByTime: 0,
  trimmedBytesBySpace: 0,
};

export const STATE_FILE = "state.json";

export async function loadState(dir: string): Promise<GroupState> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { ...INITIAL_STATE };
    throw err;
  }
  // Written atomically, so a bad file is damage, not a torn write: refuse rather than guess.
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${join(dir, STATE_FILE)} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = groupState.safeParse(json);
  if (!parsed.success) throw new Error(`${join(dir, STATE_FILE)} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

export function saveState(dir: string, state: GroupState): Promise<void> {
  return writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}
