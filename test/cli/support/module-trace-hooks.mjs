// Resolve hook behind module-trace.mjs (runs on the loader thread).
import { appendFileSync } from "node:fs";

const forbidden = (process.env.RPOWATCH_FORBIDDEN_PACKAGES ?? "").split(",").filter(Boolean);

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const pkg = forbidden.find((name) => resolved.url.includes(`/node_modules/${name}/`));
  if (pkg) {
    const err = new Error(`Cannot find package '${pkg}' (a development dependency) imported from ${context.parentURL}`);
    err.code = "ERR_MODULE_NOT_FOUND";
    throw err;
  }
  if (process.env.RPOWATCH_MODULE_TRACE) appendFileSync(process.env.RPOWATCH_MODULE_TRACE, `${resolved.url}\n`);
  return resolved;
}
