import { describe, expect, it } from "vitest";
import { influxSeries } from "../../dashboards/influx-schema.ts";
import { renderSelect, seriesToInfluxql } from "../../dashboards/influxql.ts";
import { series } from "../../dashboards/query.ts";
import { metrics } from "../../model/metrics.ts";

describe("InfluxQL builder", () => {
  it("renders a catalogue gauge filtered by the dashboard's variables", () => {
    expect(seriesToInfluxql(series(metrics.groupRpo, ["tenant", "group"]), ["tenant", "site", "group", "volume"])).toBe(
      `SELECT mean("value") FROM "rpowatch_group_rpo_seconds" WHERE "tenant" =~ /^$tenant$/ AND "site" =~ /^$site$/ AND "group" =~ /^$group$/ AND $timeFilter GROUP BY time($__interval), "tenant", "group" fill(null)`,
    );
  });

  it("reads counters as a non-negative per-second derivative and quotes label values", () => {
    const q = series(metrics.journalTrimmedBytes, ["reason"], { rate: true, match: { reason: "it's" } });
    expect(seriesToInfluxql(q, ["tenant"])).toBe(
      `SELECT non_negative_derivative(mean("value"), 1s) FROM "rpowatch_journal_trimmed_bytes_total" WHERE "tenant" =~ /^$tenant$/ AND "reason" = 'it\\'s' AND $timeFilter GROUP BY time($__interval), "reason" fill(null)`,
    );
  });

  it("takes measurement, field and tags from the catalogue", () => {
    expect(influxSeries(metrics.volumeRpo)).toEqual({
      measurement: "rpowatch_volume_rpo_seconds",
      field: "value",
      tags: ["tenant", "site", "group", "volume", "source"],
      cumulative: false,
    });
    expect(
      renderSelect({
        aggregate: "last",
        field: "value",
        rate: false,
        measurement: 'a"b',
        where: [{ timeFilter: true }],
        groupByTags: [],
      }),
    ).toBe(`SELECT last("value") FROM "a\\"b" WHERE $timeFilter GROUP BY time($__interval) fill(null)`);
  });
});
