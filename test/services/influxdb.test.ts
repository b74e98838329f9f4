import { afterAll, expect, it } from "vitest";
import { isPortFree } from "../support/net.ts";
import { type InfluxDBInstance, startInfluxDB } from "./influxdb.ts";

let influx: InfluxDBInstance | undefined;
afterAll(() => influx?.stop());

it("writes and queries a point and releases its port on stop", async () => {
  const i = await startInfluxDB();
  influx = i;
  await i.query("CREATE DATABASE rpowatch");
  await i.write("rpo,cg=finance seconds=97", "rpowatch");
  const [result] = await i.query("SELECT last(\"seconds\") FROM rpo WHERE cg = 'finance'", "rpowatch");
  expect(result!.series![0]!.values[0]![1]).toBe(97);

  await i.stop();
  expect(await isPortFree(i.port)).toBe(true);
});
