/**
 * Never healthier than measured: a real production site that is frozen (SIGSTOP) or killed
 * (SIGKILL) turns its figures conservative on /metrics and on the live NOC page within one
 * heartbeat interval plus the source's timeout — RPO keeps growing, group and link state read
 * `unknown`, figures that cannot be bounded are absent — and a site that comes back reads
 * normally again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WHEN_STALE } from "../../collector/series.ts";
import { type MetricKey, metrics } from "../../model/metrics.ts";
import { NbdClient } from "../../replication/nbd/client.ts";
import { waitFor } from "../support/process.ts";
import { type EnginePair, startEnginePair } from "./support/engine-pair.ts";
import { type Rig, scrape, startRig } from "./support/exporter-rig.ts";
import { type NocPage, openNocPage } from "./support/noc-page.ts";

/** Bound on each request to a site; with the stream's 1 s snapshots, data is stale after 1 + 2 s. */
const TIMEOUT_SECONDS = 2;
const STALE_AFTER_SECONDS = 1 + TIMEOUT_SECONDS;
/** Scrapes are retried this much past the stated time: a scrape and a render take a moment too. */
const SLACK_SECONDS = 1.5;

let pair: EnginePair;
let rig: Rig;
let noc: NocPage;

beforeAll(async () => {
  pair = await startEnginePair();
  rig = await startRig([
    { name: "paris", url: pair.production.url, timeout: TIMEOUT_SECONDS },
    { name: "lyon", url: pair.recovery.url, timeout: TIMEOUT_SECONDS },
  ]);
  const current = () => rig.collector.current();
  await waitFor(() => current().sources.every((s) => s.up) && current().links.some((l) => l.derived.state === "up"), {
    timeoutMs: 30_000,
    what: "both sites up and the link connected",
  });
  expect(rig.collector.current().sources.find((s) => s.source === "paris")?.staleAfterSeconds).toBe(
    STALE_AFTER_SECONDS,
  );
  const nbd = await NbdClient.connect({ host: "127.0.0.1", port: pair.production.nbdPort, exportName: "data" });
  await nbd.write(0, Buffer.alloc(64 * 1024, 1));
  await nbd.flush();
  await nbd.disconnect();
  noc = await openNocPage(rig.running.url);
});

afterAll(async () => {
  // A frozen site must be able to take its stop signal; one the last test killed is gone already.
  if (pair && pair.production.process.exitStatus() === undefined) process.kill(pair.production.process.pid, "SIGCONT");
  await noc?.close();
  await rig?.stop();
  await pair?.stop();
});

/** Value of the sample of `key` whose labels include `source="paris"` and every `extra` pair; undefined when absent. */
function sample(body: string, key: MetricKey, extra: Record<string, string> = {}): number | undefined {
  const name = metrics[key].name;
  for (const line of body.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels = line.slice(name.length, line.lastIndexOf("}") + 1);
    const wanted = { source: "paris", ...extra };
    if (Object.entries(wanted).every(([k, v]) => labels.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return undefined;
}

/** A scrape showing the production site's figures turned conservative, within the stated time. */
async function conservativeScrape(since: number): Promise<string> {
  const body = await waitFor(
    async () => {
      const text = (await scrape(rig)).body;
      return sample(text, "groupState", { state: "unknown" }) === 1 ? text : null;
    },
    { timeoutMs: (STALE_AFTER_SECONDS + SLACK_SECONDS) * 1000, intervalMs: 100, what: "group state unknown" },
  );
  expect(performance.now() - since).toBeLessThanOrEqual((STALE_AFTER_SECONDS + SLACK_SECONDS) * 1000);
  return body;
}

function expectConservative(body: string): void {
  expect(sample(body, "groupState", { state: "active" })).toBe(0);
  expect(sample(body, "linkState", { state: "unknown" })).toBe(1);
  expect(sample(body, "linkState", { state: "up" })).toBe(0);
  // Data at risk is at least the time since the last report: never 0 for a site that went silent.
  expect(sample(body, "groupRpo")).toBeGreaterThan(0);
  for (const key of Object.keys(WHEN_STALE) as MetricKey[]) {
    if (WHEN_STALE[key] === "absent") expect(sample(body, key), metrics[key].name).toBeUndefined();
  }
  // Configured facts stay.
  expect(sample(body, "groupRpoTarget")).toBe(60);
  expect(sample(body, "volumeSize", { volume: "data" })).toBe(4 * 1024 ** 2);
}

/**
 * The NOC page agrees, within the same time: the production side of the group reads `unknown`, its
 * RPO is marked as a lower bound and grows, the link is not shown up, and the attention strip says so.
 */
async function expectConservativeOnNocPage(since: number): Promise<void> {
  const row = await waitFor(
    async () => {
      const r = await noc.row("acme", "db");
      return r.production.startsWith("unknown") ? r : null;
    },
    { timeoutMs: (STALE_AFTER_SECONDS + SLACK_SECONDS) * 1000, intervalMs: 100, what: "NOC row unknown" },
  );
  expect(performance.now() - since).toBeLessThanOrEqual((STALE_AFTER_SECONDS + SLACK_SECONDS) * 1000);
  expect(row.atLeast).toBe(true);
  expect(row.rpoSeconds).toBeGreaterThan(0);
  expect(await noc.linkState("paris")).toBe("unknown");
  expect((await noc.attention()).join("\n")).toMatch(/acme \/ paris \/ db\s*state unknown/);
  // Growing on the page's own clock, with no new report from the site.
  await expect
    .poll(async () => (await noc.row("acme", "db")).rpoSeconds, { timeout: 10_000 })
    .toBeGreaterThan(row.rpoSeconds + 1);
}

async function expectRpoGrowing(): Promise<void> {
  const first = sample((await scrape(rig)).body, "groupRpo")!;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const second = sample((await scrape(rig)).body, "groupRpo")!;
  expect(second - first).toBeGreaterThan(0.8);
}

describe("a production site that stops reporting", () => {
  it("reads healthy while it reports", async () => {
    const body = (await scrape(rig)).body;
    expect(sample(body, "groupState", { state: "unknown" })).toBe(0);
    expect(sample(body, "linkUp")).toBe(1);
    expect(sample(body, "groupChangeRate")).toBeDefined();
    // The page follows the feed: it may still draw the start-up state a moment after the scrape.
    await expect.poll(async () => (await noc.row("acme", "db")).production, { timeout: 10_000 }).toBe("active");
    const row = await noc.row("acme", "db");
    expect(row.atLeast).toBe(false);
    expect(await noc.linkState("paris")).toBe("up");
  });

  it("frozen (SIGSTOP): conservative within a heartbeat plus the timeout, normal again once it resumes", async () => {
    const since = performance.now();
    process.kill(pair.production.process.pid, "SIGSTOP");
    try {
      expectConservative(await conservativeScrape(since));
      // Its open, silent stream is a dead one after a heartbeat plus the timeout: the source is down
      // (what SourceDown pages on), not only stale.
      await waitFor(async () => sample((await scrape(rig)).body, "sourceUp", { kind: "engine" }) === 0, {
        timeoutMs: Math.max(0, (STALE_AFTER_SECONDS + SLACK_SECONDS) * 1000 - (performance.now() - since)),
        intervalMs: 100,
        what: "the frozen source down",
      });
      await expectConservativeOnNocPage(since);
      await expectRpoGrowing();
    } finally {
      process.kill(pair.production.process.pid, "SIGCONT");
    }
    const body = await waitFor(
      async () => {
        const text = (await scrape(rig)).body;
        return sample(text, "groupState", { state: "unknown" }) === 0 ? text : null;
      },
      { timeoutMs: 30_000, what: "the resumed site read normally" },
    );
    expect(sample(body, "groupChangeRate")).toBeDefined();
    await expect.poll(async () => (await noc.row("acme", "db")).production, { timeout: 10_000 }).toBe("active");
  });

  it("killed (SIGKILL): conservative within a heartbeat plus the timeout", async () => {
    const since = performance.now();
    process.kill(pair.production.process.pid, "SIGKILL");
    const body = await conservativeScrape(since);
    expectConservative(body);
    await expectConservativeOnNocPage(since);
    // Staleness by age may come first; the refused connections mark the source down soon after.
    await waitFor(async () => sample((await scrape(rig)).body, "sourceUp", { kind: "engine" }) === 0, {
      timeoutMs: (TIMEOUT_SECONDS + SLACK_SECONDS) * 1000,
      what: "source down",
    });
    await expectRpoGrowing();
  });
});
