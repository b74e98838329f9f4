/**
 * Vitest global setup: builds dist/ before any test runs, so a test that spawns `bin/rpowatch.js`
 * (engine sites, `rpowatch start`, the CLI itself) runs the current sources, never a stale build.
 */
import { execFileSync } from "node:child_process";
import { packagePath } from "../../lib/package-root.ts";

export default function setup(): void {
  execFileSync(process.execPath, [packagePath("bin/build.js")], { stdio: "inherit" });
}
