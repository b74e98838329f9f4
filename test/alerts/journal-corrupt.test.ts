/**
 * JournalCorruptRecords end to end: a real recovery site whose journal has a record damaged on
 * disk while it is stopped counts the record when it opens the journal again; the collector reads
 * the counter from the site's status and the built-in evaluator raises the alert, then clears it
 * an hour after the rise.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertEvaluator } from "../../alerts/evaluator.ts";
import type { Notification } from "../../alerts/notifier/webhook.ts";
import { Collector } from "../../collector/collector.ts";
import { EngineSource } from "../../collector/sources/engine.ts";
import { engineSourceConfig } from "../../collector/sources/engine-config.ts";
import { RecordType } from "../../replication/journal/record-codec.ts";
import { scanSegment } from "../../replication/journal/segment-scan.ts";
import { EnginePair, qemuIo } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";

let pair: EnginePair;
let collector: Collector;

beforeAll(async () => {
  pair = await EnginePair.running();
  await qemuIo(pair.nbdUri, ["write -P 0x5a 0 64k", "write -P 0xa5 1M 64k", "flush"]);
  await pair.caughtUp();
  const source = new EngineSource(
    engineSourceConfig.parse({
      kind: "engine",
      name: "rec-b",
      url: `http://127.0.0.1:${pair.ports.control.recovery}`,
      pollInterval: 0.2,
      reconnectMin: 0.2,
      reconnectMax: 1,
    }),
  );
  collector = new Collector({ sources: [source], rateWindowSeconds: 60 });
  collector.start();
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  await pair?.close();
});

/** Flips the last payload byte of the journal's first redo write record, as a failing disk would. */
async function damageFirstRedoRecord(groupDir: string): Promise<void> {
  for (const name of (await readdir(groupDir)).filter((f) => f.startsWith("seg-")).sort()) {
    const path = join(groupDir, name);
    const bytes = await readFile(path);
    const hit = scanSegment(bytes).records.find((r) => r.record.type === RecordType.redoWrite);
    if (!hit) continue;
    bytes[hit.at + hit.size - 1]! ^= 0xff;
    await writeFile(path, bytes);
    return;
  }
  throw new Error(`no redo write record in ${groupDir}`);
}

describe("JournalCorruptRecords with a real recovery site", () => {
  it("fires when a damaged record is counted on reopening the journal, and clears an hour after", async () => {
    const sent: Notification[] = [];
    const evaluator = new AlertEvaluator({ notify: (n) => sent.push(n) });
    const corrupt = () =>
      sent.flatMap((n) => n.payload.alerts).filter((a) => a.labels.alertname === "JournalCorruptRecords");
    const journal = () => collector.current().journals.find((j) => j.group === "g1");

    await waitFor(() => journal()?.derived.corruptRecordsTotal === 0, {
      timeoutMs: 15_000,
      what: "the recovery journal's corrupt-record counter at 0",
    });
    const start = Date.now() / 1000;
    evaluator.evaluate(collector.current(), start);

    await pair.proc.recovery!.stop();
    await damageFirstRedoRecord(dirname(pair.image("recovery")));
    await pair.start("recovery");
    await waitFor(() => journal()?.derived.corruptRecordsTotal === 1 && collector.current().sources[0]!.up, {
      timeoutMs: 30_000,
      what: "the restarted site's counter at 1 in the collector",
    });
    const seen = Date.now() / 1000;
    evaluator.evaluate(collector.current(), seen);
    expect(corrupt()).toMatchObject([
      {
        status: "firing",
        labels: { severity: "critical", tenant: "default", site: "rec-b", group: "g1", source: "rec-b" },
        annotations: { value: "1", summary: "Journal of group g1 at site rec-b has corrupt records" },
      },
    ]);
    expect((await pair.group("recovery")).journal?.corruptRecordsTotal).toBe(1);

    evaluator.evaluate(collector.current(), seen + 3599);
    expect(corrupt().map((a) => a.status)).toEqual(["firing"]);
    evaluator.evaluate(collector.current(), seen + 3600);
    expect(corrupt().map((a) => a.status)).toEqual(["firing", "resolved"]);
  });
});
