/**
 * Commands the docs tell an operator to run work as written on a machine set up by .ci/run: each
 * is taken from the docs text itself and run from the repository root.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { packagePath } from "../../lib/package-root.ts";

/** The first line of a code block in `doc` that contains `marker`. */
function documentedCommand(doc: string, marker: string): string {
  const text = readFileSync(packagePath(doc), "utf8");
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const line = blocks.flatMap((b) => b.split("\n")).find((l) => l.includes(marker));
  if (!line) throw new Error(`${doc} shows no command with ${marker}`);
  return line.replace(/\s+#.*$/, "");
}

function sh(command: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("/bin/sh", ["-c", command], { cwd: packagePath(".") }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe("commands in docs/operations.md", () => {
  it("smilint -l 6 finds the base MIB modules and passes the generated MIB clean", async () => {
    const command = documentedCommand("docs/operations.md", "smilint -l 6");
    const { code, output } = await sh(command);
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("promtool and amtool accept the generated rules, tests and Alertmanager config", async () => {
    for (const marker of ["promtool check rules", "promtool test rules", "amtool check-config"]) {
      const { code, output } = await sh(documentedCommand("docs/operations.md", marker));
      expect({ marker, code, output }).toMatchObject({ marker, code: 0 });
    }
  });
});
