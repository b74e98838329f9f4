import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh private directory under the system temp dir, e.g. /tmp/rpowatch-prometheus-Ab12Cd. */
export function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `rpowatch-${label}-`));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
