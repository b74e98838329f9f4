import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Command } from "commander";

export function registerGenerate(program: Command): void {
  program
    .command("generate")
    .description("write every generated file (docs references, rules, MIB, dashboards) under a directory")
    .option("--out <dir>", "repository root to write into", ".")
    .action(async (opts: { out: string }) => {
      const { buildArtefacts } = await import("../docs/artefacts.ts");
      for (const artefact of buildArtefacts(program)) {
        const target = join(opts.out, artefact.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, artefact.content);
        process.stdout.write(`wrote ${target}\n`);
      }
    });
}
