/**
 * Alerting latency on the real stack (test/alerts/stack.ts): from cutting the engine link (with a
 * write pending) to the RPO trap arriving at snmptrapd, through the built-in evaluator and through
 * Prometheus + Alertmanager. The RPO must first grow past its 3 s target and hold for the 1 s `for`,
 * so the figure reported is the detection delay: cut-to-trap minus those 4 s.
 */
import { type AlertStack, isRpoTrap, RPO_TARGET_SECONDS, startAlertStack } from "../test/alerts/stack.ts";
import type { Bench, BenchFigure } from "./types.ts";

const ROUNDS = 3;
const FOR_SECONDS = 1;
const TIMINGS = { scrapeInterval: "1s", evaluationInterval: "1s", groupWait: "1s" };
/** The aim for the Prometheus path: scrape + evaluation interval + group_wait + 2 s. */
const PROMETHEUS_AIM = 1 + 1 + 1 + 2;
const EVALUATOR_AIM = 3;

/** One cut-and-restore round; returns the seconds from cut to trap beyond the RPO target and `for`. */
async function round(stack: AlertStack): Promise<number> {
  const since = new Date();
  await stack.cutLinkAndWrite();
  const trap = await stack.trapd.waitForTrap(isRpoTrap("firing", since), 120_000);
  const delay = (trap.receivedAt.getTime() - since.getTime()) / 1000 - RPO_TARGET_SECONDS - FOR_SECONDS;
  stack.restoreLink();
  await stack.trapd.waitForTrap(isRpoTrap("resolved", since), 120_000);
  await stack.pair.caughtUp();
  return delay;
}

async function rounds(stack: AlertStack, label: string, progress: (line: string) => void): Promise<number[]> {
  const delays: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    delays.push(await round(stack));
    progress(`${label} round ${i + 1}: ${delays.at(-1)!.toFixed(2)} s beyond target + for`);
  }
  return delays;
}

const figure = (name: string, delays: number[], aim: number): BenchFigure => {
  const worst = Math.max(...delays);
  return { name, unit: "s", ours: worst, ratio: worst / aim, aim: `<= ${aim} s`, lowerIsBetter: true };
};

export const bench: Bench = {
  name: "alerts",
  description:
    `Link cut to RPO trap at snmptrapd on a bundled-engine pair (RPO target ${RPO_TARGET_SECONDS} s, for ${FOR_SECONDS} s), ` +
    `worst of ${ROUNDS} rounds, built-in evaluator vs Prometheus (scrape 1 s, evaluation 1 s) + Alertmanager (group_wait 1 s).`,
  async run(progress) {
    progress("starting engine pair, collector, snmptrapd, SMTP sink");
    const stack = await startAlertStack();
    try {
      const detach = stack.startEvaluatorPath();
      const evaluator = await rounds(stack, "evaluator", progress).finally(detach);
      const stopPrometheus = await stack.startPrometheusPath(TIMINGS);
      const prometheus = await rounds(stack, "prometheus", progress).finally(stopPrometheus);
      return {
        name: "alerts",
        description: bench.description,
        figures: [
          figure("built-in evaluator: cut to trap beyond target + for", evaluator, EVALUATOR_AIM),
          figure("Prometheus + Alertmanager: cut to trap beyond target + for", prometheus, PROMETHEUS_AIM),
        ],
        notes: [
          `Each round: cut the link, write 64 KiB, wait for the firing trap, restore, wait for the clear and catch-up.`,
          `Raw cut-to-trap time = figure + ${RPO_TARGET_SECONDS + FOR_SECONDS} s. Per-round evaluator: ${evaluator.map((d) => d.toFixed(2)).join(", ")} s; Prometheus: ${prometheus.map((d) => d.toFixed(2)).join(", ")} s.`,
        ],
      };
    } finally {
      await stack.stop();
    }
  },
};
