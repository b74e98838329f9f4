/**
 * The engine source and the exporter against a real pair of engine sites, writing through the
 * production site's NBD server.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metrics } from "../../model/metrics.ts";
import { NbdClient } from "../../replication/nbd/client.ts";
import { requireBinary } from "../support/binaries.ts";
import { waitFor } from "../support/process.ts";
import { type EnginePair, startEnginePair } from "./support/engine-pair.ts";
import { type Rig, scrape, startRig } from "./support/exporter-rig.ts";

let pair: EnginePair;
let rig: Rig;
const current = () => rig.collector.current();

beforeAll(async () => {
  pair = await startEnginePair();
  rig = await startRig([
    { name: "paris", url: pair.production.url },
    { name: "lyon", url: pair.recovery.url },
  ]);
  await waitFor(() => current().sources.every((s) => s.up) && current().links.some((l) => l.derived.state === "up"), {
    timeoutMs: 30_000,
    what: "both sites up and the link connected",
  });
  const nbd = await NbdClient.connect({ host: "127.0.0.1", port: pair.production.nbdPort, exportName: "data" });
  const block = Buffer.alloc(64 * 1024, 7);
  for (let i = 0; i < 16; i++) await nbd.write(i * block.length, block);
  await nbd.flush();
  await nbd.disconnect();
});

afterAll(async () => {
  await rig?.stop();
  await pair?.stop();
});

describe("engine source against a real engine pair", () => {
  it("collects both sites: volumes, RPO, link and recovery journal, and counts the written bytes", async () => {
    const written = await waitFor(
      () =>
        current().volumes.find(
          (v) => v.source === "paris" && v.volume === "data" && (v.writtenBytesTotal ?? 0) >= 16 * 65536,
        ),
      { timeoutMs: 15_000, what: "written bytes reach the collector" },
    );
    expect(written).toMatchObject({ tenant: "acme", site: "paris", group: "db" });
    const prodGroup = current().groups.find((g) => g.source === "paris")!;
    expect(prodGroup.raw.peerSite).toBe("lyon");
    expect(prodGroup.raw.rpoTargetSeconds).toBe(60);
    const journal = await waitFor(() => current().journals.find((j) => j.source === "lyon" && j.raw.usedBytes > 0), {
      timeoutMs: 15_000,
      what: "recovery journal holding the writes",
    });
    expect(journal.raw.capacityBytes).toBe(64 * 1024 ** 2);

    const { body } = await scrape(rig);
    expect(body).toMatch(
      new RegExp(`^${metrics.groupRpo.name}\\{tenant="acme",site="paris",group="db",source="paris"\\} `, "m"),
    );
    expect(body).toMatch(
      new RegExp(`^${metrics.journalUtilization.name}\\{tenant="acme",site="lyon",group="db",source="lyon"\\} `, "m"),
    );
    expect(body).toContain(`${metrics.sourceUp.name}{source="lyon",kind="engine"} 1`);
  });

  it("passes promtool check metrics with nothing to report", async () => {
    const promtool = requireBinary("/usr/bin/promtool", "prometheus");
    const { body } = await scrape(rig);
    expect(body).toContain(`# TYPE ${metrics.linkWireBytes.name} counter`);
    const check = spawnSync(promtool, ["check", "metrics"], { input: body, encoding: "utf8" });
    expect(check.stdout + check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("serves OpenMetrics when the scraper asks for it, the text format otherwise", async () => {
    const text = await scrape(rig, "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    expect(text.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text.body).toContain(`# TYPE ${metrics.volumeWrittenBytes.name} counter`);
    expect(text.body).not.toContain("# EOF");

    // What Prometheus sends when it prefers OpenMetrics.
    const om = await scrape(
      rig,
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    );
    expect(om.type).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(om.body.endsWith("# EOF\n")).toBe(true);
    const family = metrics.volumeWrittenBytes.name.replace(/_total$/, "");
    expect(om.body).toContain(`# TYPE ${family} counter`);
    expect(om.body).toMatch(new RegExp(`^${family}_total\\{[^}]*volume="data",source="paris"\\} \\d+$`, "m"));
    // A plain scrape after an OpenMetrics one still names counters with _total.
    expect((await scrape(rig)).body).toContain(`# TYPE ${metrics.volumeWrittenBytes.name} counter`);
  });
});
