/**
 * One group, one RPO, end to end: a real engine pair, both sites collected. /metrics holds exactly
 * one group RPO per group, the production site's; the recovery site's figure is under its own name.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { metrics } from "../../model/metrics.ts";
import { waitFor } from "../support/process.ts";
import { type EnginePair, startEnginePair } from "./support/engine-pair.ts";
import { type Rig, scrape, startRig } from "./support/exporter-rig.ts";

let pair: EnginePair;
let rig: Rig;

beforeAll(async () => {
  pair = await startEnginePair();
  rig = await startRig([
    { name: "paris", url: pair.production.url },
    { name: "lyon", url: pair.recovery.url },
  ]);
  await waitFor(() => new Set(rig.collector.current().groups.map((g) => g.site)).size === 2, {
    timeoutMs: 30_000,
    what: "the group reported by both sites",
  });
});

afterAll(async () => {
  await rig?.stop();
  await pair?.stop();
});

const lines = (body: string, name: string) => body.split("\n").filter((l) => l.startsWith(`${name}{`));

it("exports the group's RPO once, from the production site, and the recovery site's view as recovery-point age", async () => {
  const { body } = await scrape(rig);
  const rpo = lines(body, metrics.groupRpo.name);
  expect(rpo).toHaveLength(1);
  expect(rpo[0]).toMatch(/site="paris"/);
  const ratio = lines(body, metrics.groupRpoTargetRatio.name);
  expect(ratio).toHaveLength(1);
  expect(ratio[0]).toMatch(/site="paris"/);
  const age = lines(body, metrics.groupRecoveryPointAge.name);
  expect(age).toHaveLength(1);
  expect(age[0]).toMatch(/site="lyon"/);
});
