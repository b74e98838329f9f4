import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, expect, it } from "vitest";
import { isPortFree } from "../support/net.ts";
import { type PrometheusInstance, startPrometheus } from "./prometheus.ts";

let target: Server | undefined;
let prometheus: PrometheusInstance | undefined;
afterAll(async () => {
  await prometheus?.stop();
  target?.close();
});

it("scrapes a target, reloads and releases its port on stop", async () => {
  target = createServer((_req, res) => res.end("rpowatch_selftest_value 42\n")).listen(0, "127.0.0.1");
  await new Promise((resolve) => target!.once("listening", resolve));
  const targetAddress = `127.0.0.1:${(target.address() as AddressInfo).port}`;

  const p = await startPrometheus({ scrapeTargets: [{ job: "selftest", targets: [targetAddress] }] });
  prometheus = p;
  const result = await p.waitForQuery("rpowatch_selftest_value", (r) => r.length === 1, 20_000);
  expect(result[0]!.metric).toMatchObject({ job: "selftest", instance: targetAddress });
  expect(result[0]!.value![1]).toBe("42");
  await p.reload();

  await p.stop();
  expect(await isPortFree(p.port)).toBe(true);
});
