import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TIME_DEPENDENT } from "../../collector/series.ts";
import { metrics } from "../../model/metrics.ts";
import { waitFor } from "../support/process.ts";
import { scrape, startRig } from "./support/exporter-rig.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";
import { startStatusServer } from "./support/status-server.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const journal = {
  capacityBytes: 1e9,
  usedBytes: 2.5e8,
  undistributedBytes: 1e6,
  oldestRecoverableTimestamp: 1_699_996_400,
  newestRecoverableTimestamp: 1_700_000_000,
  requiredWindowSeconds: 7200,
  achievedWindowSeconds: 3600,
  trimmedBytesByTime: 5e6,
  trimmedBytesBySpace: 0,
  storeCapacityBytes: 1e10,
  corruptRecordsTotal: 0,
  pins: [],
};

async function rigWithSite() {
  const site = await startStatusServer(
    siteStatus([groupStatus("db", ["data", "logs"], { journal }), groupStatus("web", ["root"])]),
  );
  cleanups.push(() => site.close());
  const rig = await startRig([{ name: "paris", url: site.url }]);
  cleanups.push(() => rig.stop());
  await waitFor(() => rig.collector.current().volumes.length === 3, { timeoutMs: 10_000, what: "site data" });
  return { site, rig };
}

/** Cases the real engine cannot be made to show on demand: volumes vanishing, a site that hangs. */
describe("exporter /metrics", () => {
  it("leaves no series behind for volumes and groups that disappear", async () => {
    const { site, rig } = await rigWithSite();
    expect((await scrape(rig)).body).toMatch(/volume="logs"/);
    site.status = siteStatus([groupStatus("db", ["data"], { journal })], 1_700_000_010);
    site.push();
    await waitFor(() => rig.collector.current().volumes.length === 1, { timeoutMs: 10_000, what: "volume removal" });
    // Scrapes get the last completely rendered snapshot: the new one once its render is done.
    const body = await waitFor(
      async () => {
        const text = (await scrape(rig)).body;
        return text.includes('volume="logs"') ? null : text;
      },
      { timeoutMs: 10_000, what: "a scrape of the snapshot without the vanished volume" },
    );
    expect(body).not.toMatch(/volume="logs"/);
    expect(body).not.toMatch(/group="web"/);
    expect(body).toMatch(/volume="data"/);
  });

  it("answers a scrape promptly while a source hangs forever", async () => {
    // A site that accepts TCP connections and never answers a byte.
    const sockets = new Set<Socket>();
    const hung = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise((resolve) => {
          for (const s of sockets) s.destroy();
          hung.close(() => resolve());
        }),
    );
    const port = (hung.address() as { port: number }).port;
    const site = await startStatusServer(siteStatus([groupStatus("db", ["data"])]));
    cleanups.push(() => site.close());
    const rig = await startRig([
      { name: "paris", url: site.url },
      // The hung source's own requests would wait this long; the scrape must not.
      { name: "hung", url: `http://127.0.0.1:${port}`, timeout: 300 },
    ]);
    cleanups.push(() => rig.stop());
    await waitFor(() => rig.collector.current().volumes.length === 1 && sockets.size > 0, {
      timeoutMs: 10_000,
      what: "good data, hung connection",
    });

    const started = performance.now();
    const { body } = await scrape(rig);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(body).toContain(`${metrics.sourceUp.name}{source="hung",kind="engine"} 0`);
    expect(body).toContain(`${metrics.sourceUp.name}{source="paris",kind="engine"} 1`);
    expect(body).toContain(`${metrics.sourceDataAge.name}{source="hung",kind="engine"} +Inf`);
    expect(body).toMatch(/rpowatch_volume_rpo_seconds\{[^}]*volume="data"/);
  });
});

describe("exporter /metrics over HTTP compression", () => {
  it("serves a gzip body to scrapers that accept it, equal to the plain body but for the figures of the scrape instant", async () => {
    const { rig } = await rigWithSite();
    const instant = [...TIME_DEPENDENT].map((key) => metrics[key].name);
    const withoutAge = (text: string) =>
      text
        .split("\n")
        .filter((l) => !instant.some((name) => l.startsWith(name)))
        .join("\n");
    const plain = await fetch(`${rig.running.url}/metrics`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    const zipped = await fetch(`${rig.running.url}/metrics`, { headers: { "accept-encoding": "gzip" } });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toMatch(/Accept-Encoding/);
    // fetch inflates the body: what the scraper reads must be the same exposition.
    const [plainText, zippedText] = [await plain.text(), await zipped.text()];
    expect(zippedText).toContain(`${metrics.groupRpo.name}{`);
    expect(withoutAge(zippedText)).toBe(withoutAge(plainText));
  });
});
