/**
 * End to end: a batch pushed to the exporter's push route reaches the collector and /metrics; a
 * refused one is counted in the source's errors and logged once per burst.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { pushRouter } from "../../collector/sources/push-routes.ts";
import { createPushSource, PushRegistry } from "../../collector/sources/push-source.ts";
import { createExporterApp, type RunningExporter } from "../../exporter/server.ts";
import { createLogger } from "../../lib/log.ts";
import { waitFor } from "../support/process.ts";
import { post, TOKEN, validBatch } from "./push-server.ts";

let collector: Collector;
let exporter: RunningExporter;
const logLines: Array<{ level: number; msg: string }> = [];
beforeAll(async () => {
  const registry = new PushRegistry();
  const source = createPushSource(
    { kind: "push", name: "vendor-a", settings: { token: { env: "TOKEN" }, heartbeat: 60 } },
    { registry, env: { TOKEN } },
  );
  const logger = createLogger("warn", "test", { write: (line: string) => logLines.push(JSON.parse(line)) });
  collector = new Collector({ sources: [source], rateWindowSeconds: 60, logger });
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

it("counts every refused push in rpowatch_source_errors_total and logs a burst of them once", async () => {
  const errors = async () =>
    Number(
      /^rpowatch_source_errors_total\{[^}]*source="vendor-a"[^}]*\} (\S+)$/m.exec(
        await (await fetch(`${exporter.url}/metrics`)).text(),
      )?.[1],
    );
  // The exporter serves the last snapshot it has rendered completely: a new count shows up shortly.
  const errorsReach = (n: number) =>
    waitFor(async () => (await errors()) === n, {
      timeoutMs: 5000,
      what: `rpowatch_source_errors_total to reach ${n}`,
    });
  const before = await errors();
  const refusals = () => logLines.filter((l) => l.msg === "source push refused").length;
  const logged = refusals();
  const statuses = [
    (await post(exporter.url, "{not json")).status,
    (await post(exporter.url, JSON.stringify({ groups: "many" }))).status,
    (await post(exporter.url, "{}", { "content-type": "text/plain" })).status,
  ];
  expect(statuses).toEqual([400, 400, 415]);
  await errorsReach(before + 3);
  expect(refusals() - logged).toBe(1);
  // An accepted batch ends the burst; the next refusal is logged again. The source stays up throughout.
  expect((await post(exporter.url, JSON.stringify(validBatch(Date.now() / 1000)))).status).toBe(200);
  expect((await post(exporter.url, "{not json")).status).toBe(400);
  await errorsReach(before + 4);
  expect(refusals() - logged).toBe(2);
  const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
  expect(metrics).toMatch(/^rpowatch_source_up\{[^}]*source="vendor-a"[^}]*\} 1$/m);
});
