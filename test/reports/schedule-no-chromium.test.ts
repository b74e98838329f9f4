/**
 * A scheduled report where Chromium is missing: the JSON, CSV and HTML are written, the mail goes
 * out with the CSV alone, and it says why the PDF is not attached and what to install.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { EmailChannel } from "../../alerts/notifier/email.ts";
import { NotificationStats } from "../../alerts/notifier/stats.ts";
import { EmbeddedStore } from "../../history/embedded-store.ts";
import { createLogger } from "../../lib/log.ts";
import { reportsConfig } from "../../reports/schedule/config.ts";
import { startReportSchedule } from "../../reports/schedule/start.ts";
import { ReportRunStats } from "../../reports/schedule/stats.ts";
import { type SmtpSinkInstance, startSmtpSink } from "../services/smtp-sink.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { daySamples, FROM } from "./fixture-month.ts";

// Read when the PDF printer loads, before any import: hoisted above them.
vi.hoisted(() => {
  process.env.RPOWATCH_CHROMIUM = "/nonexistent/chromium";
});

let dir: string;
let store: EmbeddedStore;
let smtp: SmtpSinkInstance;

beforeAll(async () => {
  dir = await makeTempDir("report-schedule-no-chromium");
  smtp = await startSmtpSink();
  store = await EmbeddedStore.open(join(dir, "history.duckdb"), { now: () => FROM + 32 * 86400 });
  await store.write(daySamples(10));
});
afterAll(async () => {
  await store?.close();
  await smtp?.stop();
  await removeTempDir(dir);
});

it("mails the CSV without the PDF and says so in the text and at the top of the HTML", async () => {
  const email = new EmailChannel(
    {
      ...{ host: smtp.host, port: smtp.port, starttls: false, from: "rpowatch@example.com" },
      ...{ to: ["noc@example.com"], severities: ["critical"], tenantRecipients: new Map() },
    },
    { stats: new NotificationStats(), retry: { attempts: 1, backoffSeconds: 0 }, log: createLogger("silent") },
  );
  const clock = new ManualClock(Date.parse("2026-11-11T05:00:00Z"));
  const stats = new ReportRunStats();
  const scheduler = await startReportSchedule({
    config: reportsConfig.parse({ schedule: [{ kind: "health", tenant: "acme", recipients: ["noc@example.com"] }] }),
    dataDir: dir,
    reader: store,
    mailer: { send: (mail) => email.sendMessage(mail) },
    stats,
    logger: createLogger("silent"),
    clock,
  });
  clock.advanceTo(Date.parse("2026-11-11T06:00:00Z"));
  await scheduler.stop();
  email.close();
  expect(stats.get("health", "succeeded")).toBe(1);
  const [mail, ...more] = smtp.messages();
  expect(more).toEqual([]);
  expect(mail!.subject).toBe("rpowatch health report 2026-11-10 for tenant acme");
  expect(mail!.attachments.map((a) => a.filename)).toEqual(["health-2026-11-10-acme.csv"]);
  expect(mail!.text).toContain(
    "The PDF is not attached: it could not be printed (no Chromium at /nonexistent/chromium",
  );
  expect(mail!.text).toContain('install the Debian package "chromium"');
  expect(mail!.html).toMatch(/<body><p [^>]*>The PDF is not attached: it could not be printed \(no Chromium at/);
});
