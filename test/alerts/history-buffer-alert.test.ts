/**
 * HistoryBufferFilling from the built-in evaluator of `rpowatch start`: the stack records history
 * into a real InfluxDB; InfluxDB stops, the on-disk buffer fills past 80% of its bound and the
 * alert fires, labelled as Prometheus would scrape the stack; InfluxDB comes back, the buffer
 * replays and the alert ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookAlert } from "../../alerts/notifier/webhook.ts";
import { type RpowatchStack, startRpowatchStack } from "../dashboards/rpowatch-stack.ts";
import { type InfluxDBInstance, startInfluxDB } from "../services/influxdb.ts";
import { waitFor } from "../support/process.ts";

let influx: InfluxDBInstance;
let stack: RpowatchStack;

const bufferAlert = async () => {
  const { alerts } = (await (await fetch(`${stack.url}/api/alerts`)).json()) as { alerts: WebhookAlert[] };
  return alerts.find((a) => a.labels.alertname === "HistoryBufferFilling");
};

beforeAll(async () => {
  influx = await startInfluxDB();
  stack = await startRpowatchStack({
    embedded: { alertFor: "1s" },
    alerts: { evaluator: { interval: "1s" } },
    history: {
      interval: "1s",
      store: { kind: "influxdb", url: influx.url, database: "stack", timeout: "1s" },
      buffer: { maxPoints: 2000, retryMin: "1s", retryMax: "2s" },
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await influx?.stop();
});

describe("HistoryBufferFilling in the built-in evaluator", () => {
  it("fires while the store is down and the buffer passes 80% of its bound, and ends once it replays", async () => {
    await waitFor(async () => (await influx.query("SHOW MEASUREMENTS", "stack"))[0]?.series, {
      timeoutMs: 30_000,
      what: "the stack writing history into InfluxDB",
    });
    expect(await bufferAlert()).toBeUndefined();

    await influx.kill();
    const firing = await waitFor(bufferAlert, { timeoutMs: 60_000, what: "HistoryBufferFilling to fire" });
    expect(firing.labels).toMatchObject({ severity: "warning", job: "rpowatch", instance: new URL(stack.url).host });
    expect(Number(firing.annotations.value)).toBeGreaterThan(0.8);
    expect(firing.annotations.description).toContain(`the on-disk buffer of ${new URL(stack.url).host} holds`);

    await influx.startAgain();
    await waitFor(async () => (await bufferAlert()) === undefined, {
      timeoutMs: 60_000,
      what: "HistoryBufferFilling to end once the buffer replays",
    });
  });
});
