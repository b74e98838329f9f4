/**
 * End to end with real services (test/alerts/stack.ts): cutting the engine link raises the RPO
 * alert, restoring it clears it, seen as SNMP traps in snmptrapd and mail in an SMTP sink; first
 * through real Prometheus and Alertmanager with the generated files, then the built-in evaluator.
 * The RPO target is 3 s and every `for` 1 s, so it runs in seconds. Then the production engine is
 * killed, then frozen (SIGSTOP, a hung site): SourceDown pages through both paths with the
 * catalogue's own `for` and the default timings (how fast is bench/alerts.bench.ts's business),
 * and its restart (or SIGCONT) clears the page.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { PROMETHEUS_TIMINGS } from "../../alerts/paging-budget.ts";
import {
  type AlertStack,
  isRpoTrap,
  isSourceDownMail,
  isSourceDownTrap,
  mailFromNow,
  RPO_TARGET_SECONDS,
  startAlertStack,
  varbind,
} from "./stack.ts";

let stack: AlertStack;

beforeAll(async () => {
  stack = await startAlertStack();
});
afterAll(() => stack?.stop());

async function expectRaiseAndClear(): Promise<void> {
  const since = new Date();
  const { trapd, smtp } = stack;
  await stack.cutLinkAndWrite();
  const raise = await trapd.waitForTrap(isRpoTrap("firing", since), 60_000);
  expect(raise.community).toBe("rpo-e2e");
  expect(varbind(raise, 3)).toBe("1"); // critical
  expect(varbind(raise, 4)).toBe("default");
  expect(Number(varbind(raise, 8))).toBeGreaterThan(RPO_TARGET_SECONDS);
  expect(varbind(raise, 9)).toBe(String(RPO_TARGET_SECONDS));
  const mailed = (status: string) => (m: { subject: string; text: string | null }) =>
    (m.text ?? "").includes(`${status} RpoThresholdExceeded (tenant=default site=prod-a group=g1`);
  await smtp.waitForMail(mailed("CRITICAL"), 30_000);

  stack.restoreLink();
  const clear = await trapd.waitForTrap(isRpoTrap("resolved", since), 60_000);
  expect(varbind(clear, 1)).toBe(varbind(raise, 1));
  await smtp.waitForMail(mailed("RESOLVED"), 30_000);
}

it("Prometheus path: link cut raises the RPO trap and mail, restore clears them", async () => {
  const stopPath = await stack.startPrometheusPath({
    scrapeInterval: "1s",
    evaluationInterval: "1s",
    groupWait: "1s",
    forOverride: "1s",
  });
  await expectRaiseAndClear();
  await stopPath();
  await stack.pair.caughtUp();
});

it("built-in evaluator: the same raise and clear without Prometheus", async () => {
  const detach = stack.startEvaluatorPath();
  try {
    await expectRaiseAndClear();
  } finally {
    detach();
  }
});

/** A production site taken out by `fault` pages SourceDown (trap and mail); `heal` clears the page. */
async function expectPagedAndCleared(fault: () => Promise<void> | void, heal: () => Promise<void>): Promise<void> {
  const since = new Date();
  const { trapd } = stack;
  const mail = mailFromNow(stack.smtp);
  await fault();
  let healed = false;
  try {
    const raise = await trapd.waitForTrap(isSourceDownTrap("firing", since), 90_000);
    expect(varbind(raise, 3)).toBe("1"); // critical
    await mail(isSourceDownMail("firing"), 30_000);

    await heal();
    healed = true;
    const clear = await trapd.waitForTrap(isSourceDownTrap("resolved", since), 90_000);
    expect(varbind(clear, 1)).toBe(varbind(raise, 1));
    await mail(isSourceDownMail("resolved"), 30_000);
  } finally {
    if (!healed) await heal();
  }
}

const death = () => expectPagedAndCleared(stack.killProduction, stack.restartProduction);
// Hung, not dead: the engine's sockets stay open and accept, but nothing answers.
const hang = () => expectPagedAndCleared(stack.freezeProduction, stack.thawProduction);

it("built-in evaluator: a killed production site pages SourceDown with the default timings", async () => {
  const detach = stack.startEvaluatorPath({});
  try {
    await death();
  } finally {
    detach();
  }
});

it("Prometheus path: a killed production site pages SourceDown with the recommended timings", async () => {
  const stopPath = await stack.startPrometheusPath(PROMETHEUS_TIMINGS);
  try {
    await death();
  } finally {
    await stopPath();
  }
});

it("built-in evaluator: a hung (SIGSTOP) production site pages SourceDown with the default timings", async () => {
  const detach = stack.startEvaluatorPath({});
  try {
    await hang();
  } finally {
    detach();
  }
});

it("Prometheus path: a hung (SIGSTOP) production site pages SourceDown with the recommended timings", async () => {
  const stopPath = await stack.startPrometheusPath(PROMETHEUS_TIMINGS);
  try {
    await hang();
  } finally {
    await stopPath();
  }
});
