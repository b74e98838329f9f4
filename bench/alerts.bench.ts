/**
 * Alerting latency on the real stack (test/alerts/stack.ts), through the built-in evaluator and
 * through Prometheus + Alertmanager:
 * - time to page: from kill -9 of the production engine, and from SIGSTOP of it (a hung site), to
 *   its SourceDown trap at snmptrapd and e-mail at the SMTP sink, with the catalogue's `for` and
 *   the default timings, against the 30 s aim (alerts/paging-budget.ts);
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

/** How the production site is taken out and brought back. */
interface Outage {
  name: string;
  fault(stack: AlertStack): Promise<void> | void;
  heal(stack: AlertStack): Promise<void>;
}

const DEATH: Outage = { name: "death", fault: (s) => s.killProduction(), heal: (s) => s.restartProduction() };
const HANG: Outage = { name: "hang", fault: (s) => s.freezeProduction(), heal: (s) => s.thawProduction() };

/** Outage rounds: seconds from the production site's fault to the SourceDown trap and e-mail. */
async function outages(
  stack: AlertStack,
  outage: Outage,
  label: string,
  progress: (line: string) => void,
): Promise<PageTimes> {
  const times: PageTimes = { trap: [], mail: [] };
  for (let i = 0; i < ROUNDS; i++) {
    const since = new Date();
    const mailAfter = mailFromNow(stack.smtp);
    await outage.fault(stack);
    try {
      const [trap, mail] = await Promise.all([
        stack.trapd.waitForTrap(isSourceDownTrap("firing", since), 120_000),
        mailAfter(isSourceDownMail("firing"), 120_000),
      ]);
      times.trap.push((trap.receivedAt.getTime() - since.getTime()) / 1000);
      times.mail.push((mail.seenAt - since.getTime()) / 1000);
    } finally {
      await outage.heal(stack);
    }
    progress(
      `${label} ${outage.name} ${i + 1}: trap ${times.trap.at(-1)!.toFixed(2)} s, mail ${times.mail.at(-1)!.toFixed(2)} s`,
    );
    // Cleared on both channels before the next round: Alertmanager would take a firing that came
    // back before it had mailed the clear for a repeat of what it mailed last, and stay silent.
    await Promise.all([
      stack.trapd.waitForTrap(isSourceDownTrap("resolved", since), 120_000),
      mailAfter(isSourceDownMail("resolved"), 120_000),
    ]);
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
    `Production site killed or hung (SIGSTOP) to SourceDown trap and e-mail with default timings, aim <= ${PAGE_WITHIN_SECONDS} s; ` +
    `link cut to RPO trap at snmptrapd on a bundled-engine pair (RPO target ${RPO_TARGET_SECONDS} s, for ${FOR_SECONDS} s), ` +
    `worst of ${ROUNDS} rounds, built-in evaluator vs Prometheus (scrape 1 s, evaluation 1 s) + Alertmanager (group_wait 1 s).`,
  async run(progress) {
    progress("starting engine pair, collector, snmptrapd, SMTP sink");
    const stack = await startAlertStack();
    try {
      const detachDefault = stack.startEvaluatorPath({});
      const evaluatorPage = await outages(stack, DEATH, "evaluator", progress);
      const evaluatorHang = await outages(stack, HANG, "evaluator", progress).finally(detachDefault);
      const stopDefault = await stack.startPrometheusPath(PROMETHEUS_TIMINGS);
      const prometheusPage = await outages(stack, DEATH, "prometheus", progress);
      const prometheusHang = await outages(stack, HANG, "prometheus", progress).finally(stopDefault);
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
          figure("built-in evaluator: site hung to SourceDown trap", evaluatorHang.trap, page),
          figure("built-in evaluator: site hung to SourceDown e-mail", evaluatorHang.mail, page),
          figure("Prometheus + Alertmanager: site hung to SourceDown trap", prometheusHang.trap, page),
          figure("Prometheus + Alertmanager: site hung to SourceDown e-mail", prometheusHang.mail, page),
          figure("built-in evaluator: cut to trap beyond target + for", evaluator, EVALUATOR_AIM),
          figure("Prometheus + Alertmanager: cut to trap beyond target + for", prometheus, PROMETHEUS_AIM),
        ],
        notes: [
          `Time to page: default timings (catalogue \`for\`, evaluator interval from the configuration's default; Prometheus scrape ${PROMETHEUS_TIMINGS.scrapeInterval}, evaluation ${PROMETHEUS_TIMINGS.evaluationInterval}, generated Alertmanager config). Each round: kill -9 (or SIGSTOP) the production engine, wait for trap and mail, restart it (or SIGCONT), wait for catch-up and the clear.`,
          `Per-round time to page, killed, evaluator: trap ${seconds(evaluatorPage.trap)} s, mail ${seconds(evaluatorPage.mail)} s; Prometheus: trap ${seconds(prometheusPage.trap)} s, mail ${seconds(prometheusPage.mail)} s.`,
          `Per-round time to page, hung, evaluator: trap ${seconds(evaluatorHang.trap)} s, mail ${seconds(evaluatorHang.mail)} s; Prometheus: trap ${seconds(prometheusHang.trap)} s, mail ${seconds(prometheusHang.mail)} s.`,
          `Detection delay: each round cuts the link, writes 64 KiB, waits for the firing trap, restores, waits for the clear and catch-up.`,
          `Raw cut-to-trap time = figure + ${RPO_TARGET_SECONDS + FOR_SECONDS} s. Per-round evaluator: ${seconds(evaluator)} s; Prometheus: ${seconds(prometheus)} s.`,
        ],
      };
    } finally {
      await stack.stop();
    }
  },
};
