import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildArtefacts } from "../cli/docs/artefacts.ts";
import { buildProgram } from "../cli/program.ts";

const root = new URL("..", import.meta.url);

describe("generated files", () => {
  const first = buildArtefacts(buildProgram());

  it("are reproducible: two builds give identical bytes", () => {
    expect(buildArtefacts(buildProgram())).toEqual(first);
  });

  it.each(first.map((a) => [a.path, a]))(
    "%s is checked in and up to date (run `npm run generate`)",
    async (_path, artefact) => {
      const checkedIn = await readFile(new URL(artefact.path, root), "utf8");
      expect(checkedIn).toBe(artefact.content);
    },
  );
});
