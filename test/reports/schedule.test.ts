/**
 * The report schedule against real services: the fixture month in an embedded store, the real
 * e-mail channel sending into the real SMTP sink, headless Chromium for the PDF. Time is a manual
 * clock the test moves across the month boundary; stopping a scheduler and starting another on
 * the same data directory is a stack restart.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DestinationStream } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsConfig } from "../../alerts/config.ts";
import { EmailChannel } from "../../alerts/notifier/email.ts";
import { createNotifier } from "../../alerts/notifier/from-config.ts";
import { NotificationStats } from "../../alerts/notifier/stats.ts";
import { EmbeddedStore } from "../../history/embedded-store.ts";
import { createLogger } from "../../lib/log.ts";
import { reportsConfig } from "../../reports/schedule/config.ts";
import type { ReportMailer } from "../../reports/schedule/mail.ts";
import type { ReportScheduler } from "../../reports/schedule/scheduler.ts";
import { startReportSchedule } from "../../reports/schedule/start.ts";
import { ReportRunStats } from "../../reports/schedule/stats.ts";
import { type SmtpSinkInstance, startSmtpSink } from "../services/smtp-sink.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { daySamples, FROM } from "./fixture-month.ts";

let dir: string;
let store: EmbeddedStore;
let smtp: SmtpSinkInstance;
let email: EmailChannel;
const notificationStats = new NotificationStats();

beforeAll(async () => {
  dir = await makeTempDir("report-schedule");
  smtp = await startSmtpSink();
  store = await EmbeddedStore.open(join(dir, "history.duckdb"), { now: () => FROM + 32 * 86400 });
  for (let day = 1; day <= 30; day++) await store.write(daySamples(day));
  const notifier = createNotifier(
    alertsConfig.parse({
      email: {
        host: smtp.host,
        port: smtp.port,
        starttls: false,
        from: "rpowatch@example.com",
        to: ["noc@example.com"],
      },
      retries: { attempts: 1 },
    }),
    notificationStats,
    createLogger("silent"),
  );
  email = notifier.channels.find((c): c is EmailChannel => c instanceof EmailChannel)!;
});
afterAll(async () => {
  email?.close();
  await store?.close();
  await smtp?.stop();
  await removeTempDir(dir);
});

const t = (iso: string) => Date.parse(iso);
const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

interface Started {
  clock: ManualClock;
  scheduler: ReportScheduler;
  stats: ReportRunStats;
  logs: Array<{ msg: string; [field: string]: unknown }>;
}

/** A stack start at `iso` with these schedules over the fixture history, state under `dataDir`. */
async function startAt(iso: string, dataDir: string, schedule: unknown[], mailer?: ReportMailer): Promise<Started> {
  const clock = new ManualClock(t(iso));
  const stats = new ReportRunStats();
  const logs: Started["logs"] = [];
  const stream: DestinationStream = { write: (line: string) => logs.push(JSON.parse(line)) };
  const scheduler = await startReportSchedule({
    config: reportsConfig.parse({ schedule }),
    dataDir,
    reader: store,
    ...(mailer && { mailer }),
    stats,
    logger: createLogger("info", "rpowatch", stream),
    clock,
  });
  return { clock, scheduler, stats, logs };
}

const mailer: ReportMailer = { send: (mail) => email.sendMessage(mail) };

describe("a monthly capacity report across the month boundary", () => {
  const subject = "rpowatch capacity report 2026-11 for tenant acme";
  let run: Started;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = join(dir, "monthly");
    run = await startAt(
      "2026-11-30T23:00:00Z",
      dataDir,
      [{ kind: "capacity", tenant: "acme", recipients: ["dr-team@example.com", "cfo@example.com"] }],
      mailer,
    );
  });
  afterAll(async () => {
    await run?.scheduler.stop();
  });

  it("does nothing before the slot; its first slot is 1 December 06:00 UTC", async () => {
    run.clock.advanceTo(t("2026-12-01T05:59:59Z"));
    await run.scheduler.idle();
    expect(smtp.messages().filter((m) => m.subject === subject)).toEqual([]);
    expect(run.clock.pending()).toEqual([t("2026-12-01T06:00:00Z")]);
  });

  it("at the slot writes November's four files and mails exactly one message with the PDF and CSV attached", async () => {
    run.clock.advanceTo(t("2026-12-01T06:00:00Z"));
    await run.scheduler.idle();
    const out = join(dataDir, "reports");
    const base = join(out, "capacity-2026-11-acme");
    expect((await readdir(out)).sort()).toEqual([
      "capacity-2026-11-acme.csv",
      "capacity-2026-11-acme.html",
      "capacity-2026-11-acme.json",
      "capacity-2026-11-acme.pdf",
    ]);
    const mails = smtp.messages().filter((m) => m.subject === subject);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.envelopeTo).toEqual(["dr-team@example.com", "cfo@example.com"]);
    expect(mail.from).toBe("rpowatch@example.com");
    expect(mail.attachments).toEqual([
      {
        filename: "capacity-2026-11-acme.pdf",
        contentType: "application/pdf",
        size: (await readFile(`${base}.pdf`)).length,
        sha256: await sha256(`${base}.pdf`),
      },
      {
        filename: "capacity-2026-11-acme.csv",
        contentType: "text/csv",
        size: (await readFile(`${base}.csv`)).length,
        sha256: await sha256(`${base}.csv`),
      },
    ]);
    // The body is the report itself (lines end in CRLF on the wire): November's figures, not a link to them.
    expect(mail.html?.replaceAll("\r\n", "\n")).toBe(await readFile(`${base}.html`, "utf8"));
    expect(mail.text).toContain("Attached: capacity-2026-11-acme.pdf, capacity-2026-11-acme.csv.");
    expect(mail.text).not.toContain("not attached");
    const report = JSON.parse(await readFile(`${base}.json`, "utf8"));
    expect(report.month).toBe("2026-11");
    expect(report.rpo[0].minutesBeyondTarget).toBe(50);
    expect(run.stats.get("capacity", "succeeded")).toBe(1);
    expect(run.stats.get("capacity", "failed")).toBe(0);
  });

  it("records the run durably and arms the next month's slot; the rest of the day sends nothing more", async () => {
    run.clock.advanceTo(t("2026-12-01T23:00:00Z"));
    await run.scheduler.idle();
    expect(smtp.messages().filter((m) => m.subject === subject)).toHaveLength(1);
    expect(run.clock.pending()).toEqual([t("2027-01-01T06:00:00Z")]);
    const record = JSON.parse(await readFile(join(dataDir, "report-schedule.json"), "utf8"));
    expect(record.schedules["capacity:acme:reports"].lastRun).toMatchObject({
      slot: "2026-12-01T06:00:00.000Z",
      period: "2026-11",
      mailedTo: ["dr-team@example.com", "cfo@example.com"],
    });
    expect(run.logs.some((l) => l.msg === "scheduled report done" && l.period === "2026-11")).toBe(true);
  });
});

describe("missed-run catch-up", () => {
  const health = [{ kind: "health", tenant: "acme" }];

  it("a stack down over three daily slots runs the latest one once at start, and not again at the next start", async () => {
    const dataDir = join(dir, "catch-up");
    const first = await startAt("2026-11-05T05:00:00Z", dataDir, health);
    first.clock.advanceTo(t("2026-11-05T06:00:00Z"));
    await first.scheduler.stop();
    expect(first.stats.get("health", "succeeded")).toBe(1);
    const out = join(dataDir, "reports");
    expect(existsSync(join(out, "health-2026-11-04-acme.json"))).toBe(true);

    // Down from 5 November 06:00 until 8 November 12:00: the slots of the 6th, 7th and 8th passed.
    const second = await startAt("2026-11-08T12:00:00Z", dataDir, health);
    await second.scheduler.idle();
    expect(second.stats.get("health", "succeeded")).toBe(1);
    expect((await readdir(out)).filter((f) => f.endsWith(".json")).sort()).toEqual([
      "health-2026-11-04-acme.json",
      "health-2026-11-07-acme.json",
    ]);
    expect(second.logs.map((l) => l.msg)).toContain("scheduled report missed while the stack was down: running it now");
    expect(second.clock.pending()).toEqual([t("2026-11-09T06:00:00Z")]);
    await second.scheduler.stop();

    const third = await startAt("2026-11-08T13:00:00Z", dataDir, health);
    await third.scheduler.idle();
    expect(third.stats.get("health", "succeeded")).toBe(0);
    await third.scheduler.stop();
    const record = JSON.parse(await readFile(join(dataDir, "report-schedule.json"), "utf8"));
    expect(record.schedules["health:acme:reports"].lastRun).toMatchObject({
      slot: "2026-11-08T06:00:00.000Z",
      period: "2026-11-07",
    });
  });

  it("a schedule's first start runs nothing for slots before it was configured", async () => {
    const started = await startAt("2026-11-20T12:00:00Z", join(dir, "first-start"), health);
    await started.scheduler.idle();
    expect(started.stats.get("health", "succeeded") + started.stats.get("health", "failed")).toBe(0);
    await started.scheduler.stop();
  });

  it("a failed run is logged and counted, never thrown, and runs again at the next start", async () => {
    const dataDir = join(dir, "failing");
    const nobody = [{ kind: "capacity", tenant: "initech" }];
    const first = await startAt("2026-11-30T23:00:00Z", dataDir, nobody);
    first.clock.advanceTo(t("2026-12-01T06:00:00Z"));
    await first.scheduler.stop();
    expect(first.stats.get("capacity", "failed")).toBe(1);
    const failure = first.logs.find((l) => l.msg === "scheduled report failed: it runs again at the next start");
    expect(failure?.err).toContain('history holds no samples for tenant "initech" in 2026-11');

    const second = await startAt("2026-12-01T08:00:00Z", dataDir, nobody);
    await second.scheduler.idle();
    expect(second.stats.get("capacity", "failed")).toBe(1);
    await second.scheduler.stop();
    const record = JSON.parse(await readFile(join(dataDir, "report-schedule.json"), "utf8"));
    expect(record.schedules["capacity:initech:reports"].lastRun).toBeUndefined();
  });

  it("an SMTP server that refuses the mail fails the run: not recorded, so it is sent at the next start", async () => {
    const dataDir = join(dir, "smtp-down");
    const down = await startSmtpSink();
    await down.stop();
    const dead = new EmailChannel(
      {
        host: down.host,
        port: down.port,
        starttls: false,
        from: "rpowatch@example.com",
        to: ["noc@example.com"],
        severities: ["critical"],
        tenantRecipients: new Map(),
        timeout: 2,
      },
      { stats: notificationStats, retry: { attempts: 1, backoffSeconds: 0 }, log: createLogger("silent") },
    );
    const entry = [{ kind: "health", tenant: "acme", recipients: ["noc@example.com"] }];
    const first = await startAt("2026-11-10T05:00:00Z", dataDir, entry, { send: (m) => dead.sendMessage(m) });
    first.clock.advanceTo(t("2026-11-10T06:00:00Z"));
    await first.scheduler.stop();
    dead.close();
    expect(first.stats.get("health", "failed")).toBe(1);
    expect(first.logs.find((l) => l.msg.startsWith("scheduled report failed"))?.err).toMatch(/ECONNREFUSED/);

    const second = await startAt("2026-11-10T07:00:00Z", dataDir, entry, mailer);
    await second.scheduler.idle();
    await second.scheduler.stop();
    expect(second.stats.get("health", "succeeded")).toBe(1);
    const sent = smtp.messages().filter((m) => m.subject === "rpowatch health report 2026-11-09 for tenant acme");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.attachments.map((a) => a.filename)).toEqual([
      "health-2026-11-09-acme.pdf",
      "health-2026-11-09-acme.csv",
    ]);
  });
});
