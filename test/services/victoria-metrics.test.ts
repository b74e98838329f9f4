import { afterAll, expect, it } from "vitest";
import { isPortFree } from "../support/net.ts";
import { startVictoriaMetrics, type VictoriaMetricsInstance } from "./victoria-metrics.ts";

let vm: VictoriaMetricsInstance | undefined;
afterAll(() => vm?.stop());

it("ingests samples, answers PromQL and releases its port on stop", async () => {
  const v = await startVictoriaMetrics();
  vm = v;
  // The Prometheus text import endpoint is the shortest way in; remote write lands in the same storage.
  const imported = await fetch(`${v.url}/api/v1/import/prometheus`, {
    method: "POST",
    body: 'rpowatch_selftest_rpo_seconds{cg="finance"} 97\n',
  });
  expect(imported.status).toBe(204);
  const result = await v.waitForQuery('rpowatch_selftest_rpo_seconds{cg="finance"}', (r) => r.length === 1, 15_000);
  expect(result[0]!.value![1]).toBe("97");

  await v.stop();
  expect(await isPortFree(v.port)).toBe(true);
});
