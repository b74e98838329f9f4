/** End to end: a batch pushed to the exporter's push route reaches the collector and /metrics. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { pushRouter } from "../../collector/sources/push-routes.ts";
import { createPushSource, PushRegistry } from "../../collector/sources/push-source.ts";
import { createExporterApp, type RunningExporter } from "../../exporter/server.ts";
import { post, TOKEN, validBatch } from "./push-server.ts";

let collector: Collector;
let exporter: RunningExporter;
beforeAll(async () => {
  const registry = new PushRegistry();
  const source = createPushSource(
    { kind: "push", name: "vendor-a", settings: { token: { env: "TOKEN" }, heartbeat: 60 } },
    { registry, env: { TOKEN } },
  );
  collector = new Collector({ sources: [source], rateWindowSeconds: 60 });
  collector.start();
  const app = createExporterApp({ provider: collector });
  app.app.use(pushRouter(registry));
  exporter = await app.listen("127.0.0.1", 0);
});
afterAll(async () => {
  await exporter?.close();
  await collector?.stop();
});

it("exports the pushed group's RPO and backlog", async () => {
  // Pushed now: the exporter renders at the wall clock's instant, and data older than the heartbeat is stale.
  expect((await post(exporter.url, JSON.stringify(validBatch(Date.now() / 1000)))).status).toBe(200);
  const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
  // 12.5 s when pushed, aged by the moments since (the RPO is brought to the scrape instant).
  const rpo = Number(
    /^rpowatch_group_rpo_seconds\{[^}]*group="erp"[^}]*source="vendor-a"[^}]*\} (\S+)$/m.exec(metrics)?.[1],
  );
  expect(rpo).toBeGreaterThanOrEqual(12.5);
  expect(rpo).toBeLessThan(12.5 + 5);
  expect(metrics).toMatch(/^rpowatch_group_backlog_bytes\{[^}]*location="in_flight"[^}]*\} 4096$/m);
  expect(metrics).toMatch(/^rpowatch_source_up\{[^}]*source="vendor-a"[^}]*\} 1$/m);
});
