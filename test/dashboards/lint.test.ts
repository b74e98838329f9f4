import { describe, expect, it } from "vitest";
import { buildDashboards } from "../../dashboards/build.ts";
import { DATASOURCE_UID } from "../../dashboards/datasource.ts";
import { GROUP_STATES, LINK_STATES } from "../../model/entities.ts";
import { METRIC_LIST } from "../../model/metrics.ts";
import { contentPanels, type DashboardJson, lintDashboard } from "./dashboard-lint.ts";

const built = buildDashboards().map((d) => ({ ...d, json: JSON.parse(JSON.stringify(d.json)) as DashboardJson }));

describe("generated dashboards", () => {
  it.each(built.map((d) => [d.uid, d.json] as const))("%s passes the lint", (_uid, json) => {
    expect(lintDashboard(json)).toEqual([]);
  });

  it("the lint catches what it is for", () => {
    const bad: DashboardJson = {
      uid: "bad",
      title: "bad",
      panels: [
        { id: 1, type: "stat", targets: [{ expr: "rate(x[1m])", datasource: { uid: "prom" } }] },
        { id: 1, type: "stat" },
      ],
      templating: { list: [{ type: "query", name: "tenant", datasource: { uid: "prom" }, sort: 0, refresh: 1 }] },
    };
    const problems = lintDashboard(bad).join("\n");
    for (const expected of [
      "not unique",
      "no unit",
      "no description",
      "datasource not by variable",
      "fixed range",
      "not sorted",
      "refresh",
    ]) {
      expect(problems).toContain(expected);
    }
  });

  it("every catalogue metric is on a panel or says why not", () => {
    const queries = built
      .filter((d) => d.kind === "prometheus")
      .flatMap((d) => contentPanels(d.json).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? "")));
    const missing = METRIC_LIST.filter(
      (m) => !m.notOnDashboard && !queries.some((q) => new RegExp(`\\b${m.name}\\b`).test(q)),
    );
    expect(missing.map((m) => m.name)).toEqual([]);
  });

  it("state panels name every state of the catalogue, `unknown` in a colour of its own", () => {
    const mappings = (uid: string, title: string) => {
      const panel = contentPanels(built.find((d) => d.uid === uid)!.json).find((p) => p.title === title)!;
      const { options } = (panel.fieldConfig as { defaults: { mappings: [{ options: object }] } }).defaults.mappings[0];
      return Object.values(options) as Array<{ text: string; color: string }>;
    };
    for (const [uid, title, states] of [
      ["rpowatch-group-detail", "Replication state", GROUP_STATES],
      ["rpowatch-links", "Link state", LINK_STATES],
    ] as const) {
      const shown = mappings(uid, title);
      expect(shown.map((m) => m.text)).toEqual([...states]);
      const unknown = shown.find((m) => m.text === "unknown")!;
      expect(shown.filter((m) => m.color === unknown.color).map((m) => m.text)).toEqual(["unknown"]);
    }
  });

  it("panels on SNMP-polled WAN interfaces say, when empty, that no SNMP source may be configured", () => {
    const wanPanels = built
      .filter((d) => d.kind === "prometheus")
      .flatMap((d) => contentPanels(d.json))
      .filter((p) => (p.targets ?? []).some((t) => /rpowatch_interface_/.test(t.expr ?? "")));
    expect(wanPanels.length).toBe(3);
    for (const p of wanPanels) {
      const noValue = (p.fieldConfig as { defaults: { noValue?: string } }).defaults.noValue;
      expect(noValue, p.title).toMatch(/no SNMP source/);
    }
  });

  it("InfluxDB variants query InfluxQL only, by the datasource variable", () => {
    const influx = built.filter((d) => d.kind === "influxdb");
    expect(influx.length).toBeGreaterThan(0);
    for (const d of influx) {
      for (const p of contentPanels(d.json)) {
        for (const t of p.targets ?? []) {
          expect(t.datasource).toEqual({ type: "influxdb", uid: DATASOURCE_UID });
          expect(t.query).toMatch(/^SELECT .* FROM "rpowatch_\w+" WHERE .*\$timeFilter GROUP BY time\(\$__interval\)/);
        }
      }
    }
  });
});
