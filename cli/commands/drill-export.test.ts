/** Drill exports: CSV quoting per RFC 4180, HTML escaping, absent figures empty rather than 0. */
import { describe, expect, it } from "vitest";
import type { DrillRecord } from "../../replication/drills/drill-store.ts";
import { exportDrills } from "./drill-export.ts";

const drills: DrillRecord[] = [
  {
    id: "d1",
    kind: "test-failover",
    group: "g1",
    tenant: "acme",
    point: { seq: 10, timestamp: 1_700_000_000, bookmark: "pre-patch" },
    startedAt: 1_700_000_100,
    imageReadyAt: 1_700_000_100.25,
    rtoSeconds: 0.25,
    rpoAtStartSeconds: 2,
    maxRpoSeconds: 4.5,
    endedAt: 1_700_000_700,
    result: "passed",
    operator: "anna",
    note: 'said "ok", <b>fine</b>',
  },
  {
    id: "d2",
    kind: "test-failover",
    group: "g1",
    tenant: "acme",
    point: { seq: 11, timestamp: 1_700_000_001 },
    startedAt: 1_700_001_000,
    rpoAtStartSeconds: 1,
    maxRpoSeconds: 1,
    result: "interrupted",
    operator: "bob",
    note: "",
  },
];

describe("drill export", () => {
  it("writes CSV with a header, quoted fields and empty cells for what is absent", () => {
    const lines = exportDrills(drills, "csv").split("\r\n");
    expect(lines[0]).toMatch(
      /^id,kind,group,tenant,point_time,point_seq,point_bookmark,started,image_ready,rto_seconds/,
    );
    expect(lines[1]).toContain(',0.250,2.000,4.500,2023-11-14T22:25:00.000Z,passed,anna,"said ""ok"", <b>fine</b>"');
    expect(lines[2]).toContain("2023-11-14T22:13:21.000Z,11,,2023-11-14T22:30:00.000Z,,,1.000,1.000,,interrupted,bob,");
  });

  it("writes an HTML table with the text escaped, and JSON as stored", () => {
    const page = exportDrills(drills, "html");
    expect(page).toContain("<td>said &#34;ok&#34;, &#60;b&#62;fine&#60;/b&#62;</td>");
    expect(page.match(/<tr>/g)).toHaveLength(3);
    expect(JSON.parse(exportDrills(drills, "json"))).toEqual(drills);
  });
});
