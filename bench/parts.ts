/**
 * The parts of a benchmark to run, named by an environment variable (comma-separated; every part
 * when it is unset), e.g. to rerun one figure on a quieter machine.
 */
export function selectedParts<P extends string>(variable: string, parts: readonly P[]): Set<P> {
  const asked = process.env[variable]?.split(",").map((p) => p.trim());
  if (!asked) return new Set(parts);
  const unknown = asked.filter((p) => !(parts as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new Error(`${variable}: unknown part(s) ${unknown.join(", ")}; parts are ${parts.join(", ")}`);
  }
  return new Set(asked as P[]);
}
