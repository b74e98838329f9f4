import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboards } from "../../dashboards/build.ts";
import { type InfluxDBInstance, startInfluxDB } from "../services/influxdb.ts";
import { contentPanels, type DashboardJson } from "./dashboard-lint.ts";
import { substitute } from "./panel-queries.ts";

/**
 * InfluxDB accepts every generated InfluxQL statement (variables as Grafana sends them for "All").
 * Syntax only: no rpowatch component writes to InfluxDB yet, so there is no real data to assert on.
 */
const VALUES = {
  tenant: ".*",
  site: ".*",
  group: ".*",
  volume: ".*",
  timeFilter: "time > now() - 5m",
  __interval: "1s",
};

let influx: InfluxDBInstance;

beforeAll(async () => {
  influx = await startInfluxDB();
  await influx.query("CREATE DATABASE rpowatch");
});

afterAll(async () => {
  await influx?.stop();
});

describe("InfluxDB dashboard variants", () => {
  it("every panel and variable query is valid InfluxQL", async () => {
    const statements = buildDashboards()
      .filter((d) => d.kind === "influxdb")
      .flatMap((d) => {
        const json = JSON.parse(JSON.stringify(d.json)) as DashboardJson;
        const variables = json.templating.list.filter((v) => v.type === "query").map((v) => String(v.query));
        const panels = contentPanels(json).flatMap((p) => (p.targets ?? []).map((t) => t.query ?? ""));
        return [...variables, ...panels];
      });
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      await expect(influx.query(substitute(statement, VALUES), "rpowatch"), statement).resolves.toBeDefined();
    }
  });
});
