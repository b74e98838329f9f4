/**
 * How fast the CLI answers: `rpowatch --help` from the compiled build (what `bin` runs), against
 * the aim of well under half a second, beside a bare `node -e 0` in the same run (the part
 * of the figure that is Node starting, which no CLI can go below).
 */
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { packagePath } from "../lib/package-root.ts";
import type { Bench } from "./types.ts";

const RUNS = 15;
const AIM_SECONDS = 0.5;

function timed(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(process.execPath, args, { timeout: 30_000 }, (err) => {
      if (err) reject(err);
      else resolve((performance.now() - started) / 1000);
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const bench: Bench = {
  name: "cli",
  description: `rpowatch --help wall time (median of ${RUNS}, alternating with bare node -e 0), aim < ${AIM_SECONDS} s.`,
  async run(progress) {
    const help: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      help.push(await timed([packagePath("bin/rpowatch.js"), "--help"]));
      bare.push(await timed(["-e", "0"]));
    }
    const ours = median(help);
    const node = median(bare);
    progress(`rpowatch --help ${ours.toFixed(3)} s, node -e 0 ${node.toFixed(3)} s`);
    return {
      name: "cli",
      description: bench.description,
      figures: [
        {
          name: "rpowatch --help",
          unit: "s",
          ours,
          peer: { name: "node -e 0", value: node },
          ratio: ours / AIM_SECONDS,
          aim: `< ${AIM_SECONDS} s`,
          lowerIsBetter: true,
        },
      ],
      notes: [
        `Per-run rpowatch --help: ${help.map((s) => s.toFixed(3)).join(", ")} s; node -e 0: ${bare.map((s) => s.toFixed(3)).join(", ")} s.`,
        `Load average at the end: ${loadavg()
          .map((l) => l.toFixed(1))
          .join(", ")} (2 cores shared).`,
      ],
    };
  },
};
