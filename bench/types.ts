/**
 * A benchmark measures rpowatch side by side with a peer (another implementation or the
 * machine's own limit) in the same run, and reports ratios. `rpowatch bench` runs every
 * `bench/*.bench.ts` module and writes its result to bench/results/<name>.json and .md.
 */
export interface BenchFigure {
  /** What was measured, e.g. "4 KiB random write". */
  name: string;
  unit: string;
  ours: number;
  /** The peer's figure in the same run, when there is one. */
  peer?: { name: string; value: number };
  /** ours / peer, or ours / aim for figures with only an aim; higher is better unless lowerIsBetter. */
  ratio?: number;
  /** The issue's aim for this figure, as text, e.g. "ratio >= 0.8" or "p99 < 1 s". */
  aim?: string;
  lowerIsBetter?: boolean;
}

export interface BenchResult {
  name: string;
  description: string;
  figures: BenchFigure[];
  notes: string[];
}

export interface Bench {
  name: string;
  description: string;
  /** Runs the benchmark; `progress` prints a line so long runs are visibly alive. */
  run(progress: (line: string) => void): Promise<BenchResult>;
}
