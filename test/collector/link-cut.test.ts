/**
 * Never healthier than measured, for a link cut: the production and recovery sites keep running
 * and reporting, but the link between them is cut (a proxy drops every connection and refuses new
 * ones). /metrics and the live NOC page show the link down, the group's RPO growing from its last
 * value while writes go on, and the group not healthy; after the link is restored, the figures
 * read normally again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetricKey, metrics } from "../../model/metrics.ts";
import { NbdClient } from "../../replication/nbd/client.ts";
import { waitFor } from "../support/process.ts";
import { type EnginePair, startEnginePair } from "./support/engine-pair.ts";
import { type Rig, scrape, startRig } from "./support/exporter-rig.ts";
import { type NocPage, openNocPage } from "./support/noc-page.ts";

let pair: EnginePair;
let rig: Rig;
let nbd: NbdClient;
let noc: NocPage;

beforeAll(async () => {
  pair = await startEnginePair({ linkProxy: true });
  rig = await startRig([
    { name: "paris", url: pair.production.url },
    { name: "lyon", url: pair.recovery.url },
  ]);
  await waitFor(
    async () => {
      const body = (await scrape(rig)).body;
      return ["paris", "lyon"].every((source) => sample(body, "groupState", { source, state: "active" }) === 1);
    },
    { timeoutMs: 30_000, what: "the initial copy done and the group active at both sites" },
  );
  nbd = await NbdClient.connect({ host: "127.0.0.1", port: pair.production.nbdPort, exportName: "data" });
  noc = await openNocPage(rig.running.url);
});

afterAll(async () => {
  await nbd?.disconnect();
  await noc?.close();
  await rig?.stop();
  await pair?.stop();
});

/** Value of the sample of `key` whose labels include `source` (paris unless given) and every `extra` pair; undefined when absent. */
function sample(body: string, key: MetricKey, extra: Record<string, string> = {}): number | undefined {
  const name = metrics[key].name;
  const wanted = { source: "paris", ...extra };
  for (const line of body.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const labels = line.slice(name.length, line.lastIndexOf("}") + 1);
    if (Object.entries(wanted).every(([k, v]) => labels.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return undefined;
}

/** Writes a block every 100 ms until the returned function is called; resolves once stopped. */
function writeSteadily(): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      await nbd.write((i % 64) * 4096, Buffer.alloc(4096, i % 256));
      await nbd.flush();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** Within this of the cut, /metrics shows it: the sites see the connection drop at once and report every second. */
const SHOWN_WITHIN_SECONDS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a link cut while both sites keep running", () => {
  it("reads healthy while the link is up", async () => {
    const body = (await scrape(rig)).body;
    for (const source of ["paris", "lyon"]) {
      expect(sample(body, "linkUp", { source })).toBe(1);
      expect(sample(body, "groupState", { source, state: "active" })).toBe(1);
    }
    // The page follows the feed: it may still draw the start-up state a moment after the scrape.
    await expect.poll(async () => (await noc.row("acme", "db")).production, { timeout: 10_000 }).toBe("active");
    await expect.poll(() => noc.linkState("paris"), { timeout: 10_000 }).toBe("up");
  });

  it("shows the link down, the RPO growing from its last value and the group not active, then recovers", async () => {
    const stop = writeSteadily();
    try {
      await sleep(1000);
      const lastBeforeCut = sample((await scrape(rig)).body, "groupRpo")!;
      expect(lastBeforeCut).toBeDefined();
      pair.linkProxy!.cut();
      const cutAt = performance.now();
      const shown = await waitFor(
        async () => {
          const body = (await scrape(rig)).body;
          return sample(body, "linkUp") === 0 && sample(body, "linkUp", { source: "lyon" }) === 0 ? body : null;
        },
        { timeoutMs: SHOWN_WITHIN_SECONDS * 1000, intervalMs: 100, what: "link_up 0 at both sites" },
      );
      for (const source of ["paris", "lyon"]) {
        expect(sample(shown, "linkState", { source, state: "up" })).toBe(0);
        // Neither site's group claims its changes flow while nothing crosses the link.
        expect(sample(shown, "groupState", { source, state: "active" })).toBe(0);
        expect(sample(shown, "groupState", { source, state: "error" })).toBe(1);
      }
      // The production site keeps measuring: its figures are current, not `unknown`.
      expect(sample(shown, "sourceUp", { kind: "engine" })).toBe(1);

      // The NOC page within the same time: the group in error, its RPO measured (no "≥") and
      // growing, the link not up, and the attention strip naming both.
      const row = await waitFor(
        async () => {
          const r = await noc.row("acme", "db");
          return r.production === "error" && r.rpoSeconds > 0 ? r : null;
        },
        { timeoutMs: SHOWN_WITHIN_SECONDS * 1000, intervalMs: 100, what: "NOC row in error with RPO > 0" },
      );
      expect(performance.now() - cutAt).toBeLessThanOrEqual(SHOWN_WITHIN_SECONDS * 1000);
      expect(row.atLeast).toBe(false);
      expect(await noc.linkState("paris")).not.toBe("up");
      const attention = (await noc.attention()).join("\n");
      expect(attention).toMatch(/acme \/ paris \/ db\s*state error/);
      expect(attention).toMatch(/\/ paris \/ \S+\s*link (down|connecting)/);
      await expect
        .poll(async () => (await noc.row("acme", "db")).rpoSeconds, { timeout: 10_000 })
        .toBeGreaterThan(row.rpoSeconds + 1);

      const rpos: number[] = [];
      let body = shown;
      for (let i = 0; i < 6; i++) {
        await sleep(500);
        body = (await scrape(rig)).body;
        rpos.push(sample(body, "groupRpo")!);
      }
      const cutSeconds = (performance.now() - cutAt) / 1000;
      expect(rpos[0], `RPO ${rpos} after ${lastBeforeCut} before the cut`).toBeGreaterThan(lastBeforeCut);
      for (let i = 1; i < rpos.length; i++) expect(rpos[i]! - rpos[i - 1]!, `RPO ${rpos}`).toBeGreaterThan(0.3);
      // Writes went on all through the cut: the oldest unreplicated one is about as old as the cut.
      expect(rpos.at(-1)).toBeGreaterThan(cutSeconds - 1);
      expect(sample(body, "groupRpoTargetRatio")).toBeGreaterThan(0);
      expect(sample(body, "groupRpoAtRisk")).toBe(1);
      expect(sample(body, "groupDrainEtaValid")).toBe(0);
    } finally {
      pair.linkProxy!.restore();
      await stop();
    }
    const healed = await waitFor(
      async () => {
        const body = (await scrape(rig)).body;
        return sample(body, "linkUp") === 1 && sample(body, "groupRpo") === 0 ? body : null;
      },
      { timeoutMs: 30_000, what: "the link up again and the backlog drained" },
    );
    expect(sample(healed, "groupState", { state: "active" })).toBe(1);
    await expect.poll(async () => (await noc.row("acme", "db")).production, { timeout: 10_000 }).toBe("active");
  });
});
