import { describe, expect, it } from "vitest";
import { stackConfig } from "../config/schema.ts";
import { ConfigError, parseConfig } from "../lib/config-file.ts";

const issuesOf = (text: string) => {
  try {
    parseConfig(stackConfig, text, "stack.yaml");
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
};

describe("history configuration", () => {
  it("records into the embedded store under the data directory with no configuration", () => {
    const { history } = stackConfig.parse({});
    expect(history).toEqual({
      enabled: true,
      interval: 10,
      store: { kind: "embedded", path: "history.duckdb" },
      retention: { raw: 7 * 86_400, minute: 90 * 86_400, hour: 730 * 86_400 },
      buffer: { dir: "history-buffer", maxPoints: 5_000_000, retryMin: 1, retryMax: 60 },
    });
  });

  it("reads durations and a store path", () => {
    const { history } = parseConfig(
      stackConfig,
      "history:\n  interval: 30s\n  store: { kind: embedded, path: /srv/h.duckdb }\n  retention: { raw: 2d, minute: 30d }\n",
      "stack.yaml",
    );
    expect(history.interval).toBe(30);
    expect(history.store).toEqual({ kind: "embedded", path: "/srv/h.duckdb" });
    expect(history.retention).toEqual({ raw: 2 * 86_400, minute: 30 * 86_400, hour: 730 * 86_400 });
  });

  it("reads InfluxDB's tier mode, server tiers by default", () => {
    const store = (tiers: string) =>
      parseConfig(
        stackConfig,
        `history:\n  store:\n    kind: influxdb\n    url: http://influxdb:8086\n${tiers}`,
        "stack.yaml",
      ).history.store;
    expect(store("")).toMatchObject({ kind: "influxdb", tiers: "server" });
    expect(store("    tiers: client\n")).toMatchObject({ kind: "influxdb", tiers: "client" });
  });

  it("refuses a tier mode other than server or client, naming its path", () => {
    const issues = issuesOf("history:\n  store:\n    kind: influxdb\n    url: http://influxdb:8086\n    tiers: cq\n");
    expect(issues).toEqual([
      { path: "history.store.tiers", line: 5, message: expect.stringMatching(/"server".*"client"/) },
    ]);
  });

  it("names the path, line and reason of each mistake", () => {
    const issues = issuesOf(
      "history:\n  interval: 0.5\n  store: { kind: sqlite }\n  retention: { raw: 100d }\n  buffer: { maxPoint: 10 }\n",
    );
    expect(issues).toEqual([
      { path: "history.interval", line: 2, message: "the interval must be at least 1s" },
      { path: "history.store.kind", line: 3, message: expect.stringContaining("embedded") },
      {
        path: "history.retention",
        line: 4,
        message: "each tier must keep its points at least as long as the one before",
      },
      { path: "history.buffer.maxPoint", line: 5, message: 'unknown field "maxPoint"' },
    ]);
  });
});
