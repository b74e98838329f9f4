// Loaded with `node --import` before the CLI: records every module the process loads (one URL a
// line, in $RPOWATCH_MODULE_TRACE) and refuses any package listed in $RPOWATCH_FORBIDDEN_PACKAGES
// (comma-separated), as if it were not installed.
import { register } from "node:module";

register(new URL("./module-trace-hooks.mjs", import.meta.url));
