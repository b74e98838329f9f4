#!/usr/bin/env node
// Entry point: runs the compiled CLI from dist/ (built by `npm run build`, which `npm ci` runs).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("rpowatch: dist/ is missing; build it with `npm run build` (npm ci runs it)\n");
  process.exit(1);
}
await import(main.href);
