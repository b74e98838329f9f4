/**
 * The import graph of the sources, read with TypeScript's own pre-processor: no circle anywhere,
 * and data flows one way — replication → collector → exporter / alerts / dashboards / history →
 * reports. model/ and lib/ are shared by all and import none of the parts; cli/, test/ and bench/
 * may import anything.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../lib/package-root.ts";

const ROOTS = [
  "lib",
  "model",
  "config",
  "replication",
  "collector",
  "exporter",
  "alerts",
  "dashboards",
  "history",
  "reports",
  "cli",
  "test",
  "bench",
];

/** What each part may import besides itself. */
const MAY_IMPORT: Record<string, string[]> = {
  lib: [],
  model: ["lib"],
  replication: ["lib", "model"],
  collector: ["lib", "model", "replication"],
  exporter: ["lib", "model", "collector"],
  alerts: ["lib", "model", "collector"],
  dashboards: ["lib", "model", "collector"],
  history: ["lib", "model", "collector"],
  reports: ["lib", "model", "collector", "history"],
  // The stack configuration composes each part's own section schema.
  config: ["lib", "model", "replication", "collector", "alerts", "history", "reports"],
};

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "results") return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Relative imports of each file (static, type-only, re-exports and dynamic `import("…")`), as repo paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of ROOTS.flatMap((r) => sourceFiles(join(PACKAGE_ROOT, r)))) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith("."))
      .map((name) => relative(PACKAGE_ROOT, resolve(dirname(file), name)));
    graph.set(relative(PACKAGE_ROOT, file), targets);
  }
  return graph;
}

/** Test code may import anything, wherever it lives (beside the behaviour it pins down). */
const isTestCode = (path: string) => path.startsWith("test/") || /(\.test|test-support)\.ts$/.test(path);
const partOf = (path: string) => path.split("/")[0]!;

/** A circle of files, told from its alphabetically first file and back to it. */
function fromFirstFile(files: string[]): string[] {
  const start = files.indexOf([...files].sort()[0]!);
  const rotated = [...files.slice(start), ...files.slice(0, start)];
  return [...rotated, rotated[0]!];
}

/** Every circle, each once, as the list of files around it. */
function circles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") found.push(fromFirstFile(stack.slice(stack.indexOf(next))));
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

describe("the import graph", () => {
  const graph = importGraph();

  it("is read from every part", () => {
    for (const part of ["replication", "collector", "exporter", "alerts", "cli"])
      expect([...graph.keys()].some((f) => partOf(f) === part)).toBe(true);
  });

  it("finds a circle where there is one", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(circles(graph).map((c) => c.join(" → "))).toEqual(["a.ts → b.ts → c.ts → a.ts"]);
  });

  it("has no circle", () => {
    const found = circles(graph).map((c) => c.join(" → "));
    expect(found).toEqual([]);
  });

  it("follows the data flow: no part imports one downstream of it", () => {
    const against = [...graph].flatMap(([file, targets]) => {
      const allowed = MAY_IMPORT[partOf(file)];
      if (!allowed || isTestCode(file)) return [];
      return targets
        .filter((t) => partOf(t) !== partOf(file) && !allowed.includes(partOf(t)))
        .map((t) => `${file} → ${t}`);
    });
    expect(against).toEqual([]);
  });
});
