/**
 * Alerting latency on the real stack (test/alerts/stack.ts), through the built-in evaluator and
 * through Prometheus + Alertmanager:
 * - time to page: from kill -9 of the production engine to its SourceDown trap at snmptrapd and
 *   e-mail at the SMTP sink, with the catalogue's `for` and the default timings, against the
 *   30 s aim (alerts/paging-budget.ts);
 * - detection delay: from cutting the link (with a write pending) to the RPO trap, minus the 3 s
 *   the RPO needs to pass its target and the 1 s `for` of this run.
 */
import { PAGE_WITHIN_SECONDS, PROMETHEUS_TIMINGS } from "../alerts/paging-budget.ts";
import {
  type AlertStack,
  isRpoTrap,
  isSourceDownMail,
  isSourceDownTrap,
  mailFromNow,
  RPO_TARGET_SECONDS,
  startAlertStack,
} from "../test/alerts/stack.ts";
import type { Bench, BenchFigure } from "./types.ts";

const ROUNDS = 3;
const FOR_SECONDS = 1;
const TIMINGS = { scrapeInterval: "1s", evaluationInterval: "1s", groupWait: "1s", forOverride: `${FOR_SECONDS}s` };
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

interface PageTimes {
  trap: number[];
  mail: number[];
}

/** Kill rounds: seconds from kill -9 of the production engine to the SourceDown trap and e-mail. */
async function deaths(stack: AlertStack, label: string, progress: (line: string) => void): Promise<PageTimes> {
  const times: PageTimes = { trap: [], mail: [] };
  for (let i = 0; i < ROUNDS; i++) {
    const since = new Date();
    const mailAfter = mailFromNow(stack.smtp);
    await stack.killProduction();
    const [trap, mail] = await Promise.all([
      stack.trapd.waitForTrap(isSourceDownTrap("firing", since), 120_000),
      mailAfter(isSourceDownMail("firing"), 120_000),
    ]);
    times.trap.push((trap.receivedAt.getTime() - since.getTime()) / 1000);
    times.mail.push((mail.seenAt - since.getTime()) / 1000);
    progress(
      `${label} death ${i + 1}: trap ${times.trap.at(-1)!.toFixed(2)} s, mail ${times.mail.at(-1)!.toFixed(2)} s`,
    );
    await stack.restartProduction();
    await stack.trapd.waitForTrap(isSourceDownTrap("resolved", since), 120_000);
  }
  return times;
}

const seconds = (list: number[]) => list.map((d) => d.toFixed(2)).join(", ");

const figure = (name: string, delays: number[], aim: number): BenchFigure => {
  const worst = Math.max(...delays);
  return { name, unit: "s", ours: worst, ratio: worst / aim, aim: `<= ${aim} s`, lowerIsBetter: true };
};

export const bench: Bench = {
  name: "alerts",
  description:
    `Production site killed to SourceDown trap and e-mail with default timings, aim <= ${PAGE_WITHIN_SECONDS} s; ` +
    `link cut to RPO trap at snmptrapd on a bundled-engine pair (RPO target ${RPO_TARGET_SECONDS} s, for ${FOR_SECONDS} s), ` +
    `worst of ${ROUNDS} rounds, built-in evaluator vs Prometheus (scrape 1 s, evaluation 1 s) + Alertmanager (group_wait 1 s).`,
  async run(progress) {
    progress("starting engine pair, collector, snmptrapd, SMTP sink");
    const stack = await startAlertStack();
    try {
      const detachDefault = stack.startEvaluatorPath({});
      const evaluatorPage = await deaths(stack, "evaluator", progress).finally(detachDefault);
      const stopDefault = await stack.startPrometheusPath(PROMETHEUS_TIMINGS);
      const prometheusPage = await deaths(stack, "prometheus", progress).finally(stopDefault);
      const detach = stack.startEvaluatorPath();
      const evaluator = await rounds(stack, "evaluator", progress).finally(detach);
      const stopPrometheus = await stack.startPrometheusPath(TIMINGS);
      const prometheus = await rounds(stack, "prometheus", progress).finally(stopPrometheus);
      const page = PAGE_WITHIN_SECONDS;
      return {
        name: "alerts",
        description: bench.description,
        figures: [
          figure("built-in evaluator: site killed to SourceDown trap", evaluatorPage.trap, page),
          figure("built-in evaluator: site killed to SourceDown e-mail", evaluatorPage.mail, page),
          figure("Prometheus + Alertmanager: site killed to SourceDown trap", prometheusPage.trap, page),
          figure("Prometheus + Alertmanager: site killed to SourceDown e-mail", prometheusPage.mail, page),
          figure("built-in evaluator: cut to trap beyond target + for", evaluator, EVALUATOR_AIM),
          figure("Prometheus + Alertmanager: cut to trap beyond target + for", prometheus, PROMETHEUS_AIM),
        ],
        notes: [
          `Time to page: default timings (catalogue \`for\`, evaluator interval from the configuration's default; Prometheus scrape ${PROMETHEUS_TIMINGS.scrapeInterval}, evaluation ${PROMETHEUS_TIMINGS.evaluationInterval}, generated Alertmanager config). Each round: kill -9 the production engine, wait for trap and mail, restart it, wait for catch-up and the clear.`,
          `Per-round time to page, evaluator: trap ${seconds(evaluatorPage.trap)} s, mail ${seconds(evaluatorPage.mail)} s; Prometheus: trap ${seconds(prometheusPage.trap)} s, mail ${seconds(prometheusPage.mail)} s.`,
          `Detection delay: each round cuts the link, writes 64 KiB, waits for the firing trap, restores, waits for the clear and catch-up.`,
          `Raw cut-to-trap time = figure + ${RPO_TARGET_SECONDS + FOR_SECONDS} s. Per-round evaluator: ${seconds(evaluator)} s; Prometheus: ${seconds(prometheus)} s.`,
        ],
      };
    } finally {
      await stack.stop();
    }
  },
};
