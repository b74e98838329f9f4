#!/usr/bin/env node
// Compiles the TypeScript sources into dist/ (tsconfig.build.json) and copies the static files the
// build serves. Runs at install (`prepare`), before the tests (vitest globalSetup) and before
// `npm start`, so what runs is never older than the sources. Incremental: an unchanged tree takes
// about a second.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// Directories of files that are not TypeScript but are read at run time, copied as they are.
const ASSET_DIRS = ["exporter/noc"];

let tsc;
try {
  tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
} catch {
  // Installed with production dependencies only: a build made earlier is all there is to run.
  if (existsSync(join(root, "dist/cli/main.js"))) process.exit(0);
  process.stderr.write(
    "rpowatch build: typescript is not installed and dist/ is missing; run npm ci (with dev dependencies)\n",
  );
  process.exit(1);
}

const result = spawnSync(process.execPath, [tsc, "-b", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);
for (const dir of ASSET_DIRS) cpSync(join(root, dir), join(root, "dist", dir), { recursive: true });
