import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderMetricsDoc } from "../../exporter/metrics-doc.ts";
import { METRIC_LIST } from "../../model/metrics.ts";

describe("docs/metrics.md", () => {
  it("is exactly what the generator produces from the catalogue (run `rpowatch generate` after a change)", () => {
    const checkedIn = readFileSync(new URL("../../docs/metrics.md", import.meta.url), "utf8");
    expect(checkedIn).toBe(renderMetricsDoc());
  });
  it("documents every catalogue metric", () => {
    const doc = renderMetricsDoc();
    for (const m of METRIC_LIST) expect(doc).toContain(`\`${m.name}\``);
  });
});
