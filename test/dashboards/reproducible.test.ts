import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { dashboardArtefacts, GENERATED_DIR } from "../../dashboards/artefacts.ts";

const ROOT = join(import.meta.dirname, "../..");

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe("dashboard build", () => {
  it("gives identical bytes when run twice", () => {
    expect(dashboardArtefacts()).toEqual(dashboardArtefacts());
  });

  it("matches the checked-in copies and docs (regenerate with `rpowatch generate`)", async () => {
    const fresh = dashboardArtefacts();
    const generated = fresh.filter((f) => f.path.startsWith(`${GENERATED_DIR}/`)).map((f) => f.path);
    expect((await listFiles(join(ROOT, GENERATED_DIR))).sort()).toEqual(generated.sort());
    for (const file of fresh) {
      expect(await readFile(join(ROOT, file.path), "utf8"), file.path).toBe(file.content);
    }
  });
});
