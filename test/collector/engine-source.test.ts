import { afterEach, describe, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { EngineSource } from "../../collector/sources/engine.ts";
import { engineSourceConfig } from "../../collector/sources/engine-config.ts";
import { createLogger, type Logger } from "../../lib/log.ts";
import { waitFor } from "../support/process.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";
import { type StatusServer, startStatusServer } from "./support/status-server.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function run(server: StatusServer, logger?: Logger) {
  const config = engineSourceConfig.parse({
    kind: "engine",
    name: "paris",
    url: server.url,
    pollInterval: 0.1,
    reconnectMin: 0.2,
    reconnectMax: 0.4,
    timeout: 1,
  });
  const collector = new Collector({ sources: [new EngineSource(config)], rateWindowSeconds: 60, logger });
  collector.start();
  cleanups.push(() => collector.stop());
  return collector;
}

describe("engine source against a status server", () => {
  it("maps stream snapshots into the model, then falls back to polling and back to the stream", async () => {
    const server = await startStatusServer(siteStatus([groupStatus("db", ["data", "logs"])]));
    cleanups.push(() => server.close());
    const collector = await run(server);

    const first = await waitFor(() => (collector.current().groups.length === 1 ? collector.current() : undefined), {
      timeoutMs: 10_000,
      what: "first snapshot",
    });
    expect(first.volumes.map((v) => v.volume)).toEqual(["data", "logs"]);
    expect(first.groups[0]).toMatchObject({ source: "paris", tenant: "acme", site: "paris", group: "db" });
    expect(first.groups[0]!.raw.peerSite).toBe("lyon");
    expect(first.groups[0]!.derived.bottleneck).toBe("production");
    expect(first.sources[0]).toMatchObject({ source: "paris", kind: "engine", up: true, dataTimestamp: 1_700_000_002 });
    expect(server.statusRequests).toBe(0);

    // The stream dies and is refused: the adapter polls /status and still sees new data.
    server.refuseStream = true;
    server.dropStreams();
    server.status = siteStatus([groupStatus("db", ["data"])], 1_700_000_010);
    await waitFor(() => collector.current().volumes.length === 1, { timeoutMs: 10_000, what: "polled snapshot" });
    expect(server.statusRequests).toBeGreaterThan(0);

    // The stream comes back: the adapter reconnects and polling stops. The server accepting the
    // stream is not the adapter reading it: only data the stream alone carries (GET /status still
    // answers one volume) shows that the adapter has switched, and polls are counted from there.
    server.refuseStream = false;
    await waitFor(() => server.streamClients() === 1, { timeoutMs: 10_000, what: "reconnected stream" });
    server.push(siteStatus([groupStatus("db", ["data", "logs", "tmp"])], 1_700_000_020));
    await waitFor(() => collector.current().volumes.length === 3, {
      timeoutMs: 10_000,
      what: "streamed snapshot after reconnect",
    });
    const polls = server.statusRequests;
    // Three poll intervals: a loop still polling would have asked again by now.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.statusRequests).toBe(polls);
    expect(collector.current().volumes).toHaveLength(3);
  });

  it("marks the source down, keeps its last data and counts errors when the site stops answering", async () => {
    const server = await startStatusServer(siteStatus([groupStatus("db", ["data"])]));
    const collector = await run(server);
    await waitFor(() => collector.current().sources[0]?.up, { timeoutMs: 10_000, what: "source up" });
    await server.close();
    const down = await waitFor(
      () => {
        const s = collector.current().sources[0]!;
        return !s.up && s.errorsTotal > 0 ? s : undefined;
      },
      { timeoutMs: 10_000, what: "source down" },
    );
    expect(down.lastError).toMatch(/status|fetch/i);
    expect(collector.current().volumes).toHaveLength(1);
  });

  it("logs each outage once, as a warning, however often collection fails in it", async () => {
    const lines: Array<{ level: number; msg: string; err?: string }> = [];
    const logger = createLogger("debug", "test", { write: (line: string) => lines.push(JSON.parse(line)) });
    const server = await startStatusServer(siteStatus([groupStatus("db", ["data"])]));
    cleanups.push(() => server.close());
    const collector = await run(server, logger);
    const source = () => collector.current().sources[0]!;
    const failures = (level: number) => lines.filter((l) => l.msg === "source collection failed" && l.level === level);
    const outage = async (what: string) => {
      const errors = source().errorsTotal;
      server.refuseStream = true;
      server.failStatus = true;
      server.dropStreams();
      // Polled every 0.1 s, each poll refused: several failures make one burst.
      await waitFor(() => source().errorsTotal >= errors + 4, { timeoutMs: 10_000, what });
    };
    const recover = async () => {
      server.refuseStream = false;
      server.failStatus = false;
      await waitFor(() => source().up, { timeoutMs: 10_000, what: "the source up again" });
    };
    await waitFor(() => source().up, { timeoutMs: 10_000, what: "source up" });

    await outage("failures of a first outage");
    expect(failures(40)).toHaveLength(1);
    expect(failures(40)[0]!.err).toMatch(/HTTP 503/);
    expect(failures(20).length).toBeGreaterThanOrEqual(3);
    expect(source().up).toBe(false);

    await recover();
    await outage("failures of a second outage");
    expect(failures(40)).toHaveLength(2);
  });
});
