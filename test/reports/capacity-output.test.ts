/**
 * `rpowatch report capacity` end to end: the fixture month written into an embedded store file,
 * the real command run on it, its four files checked; the HTML opened in headless Chromium
 * (every chart drawn with data, nothing wider than A4 when printed, a screenshot for review).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../history/embedded-store.ts";
import type { CapacityReport } from "../../reports/capacity-report.ts";
import { launchChromium } from "../dashboards/chromium.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { daySamples, FROM } from "./fixture-month.ts";
import { validate } from "./json-schema.ts";

const run = promisify(execFile);
const SCREENSHOT = join(tmpdir(), "rpowatch-artifacts", "capacity-report.png");
let dir: string;
let store: string;

beforeAll(async () => {
  dir = await makeTempDir("reports-output");
  store = join(dir, "history.duckdb");
  const writer = await EmbeddedStore.open(store, { now: () => FROM + 32 * 86400 });
  for (let day = 1; day <= 30; day++) await writer.write(daySamples(day));
  await writer.close();
});
afterAll(async () => {
  await removeTempDir(dir);
});

const rpowatch = (...args: string[]) => rpowatchWith({}, ...args);
const rpowatchWith = (env: Record<string, string>, ...args: string[]) =>
  run("node", ["bin/rpowatch.js", "report", ...args], { encoding: "utf8", env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe("rpowatch report capacity", () => {
  let out: string;
  let stdout: string;
  let stderr: string;

  beforeAll(async () => {
    out = join(dir, "out");
    const r = await rpowatch("capacity", "--month", "2026-11", "--tenant", "acme", "--store", store, "--out", out);
    expect(r.stderr).not.toMatch(/rpowatch report capacity:/);
    expect(r.code).toBe(0);
    ({ stdout, stderr } = r);
  });

  it("writes JSON, CSV, HTML and PDF and reports its progress day by day", async () => {
    const base = join(out, "capacity-2026-11-acme");
    expect(stdout.trim().split("\n")).toEqual([`${base}.json`, `${base}.csv`, `${base}.html`, `${base}.pdf`]);
    expect(stderr).toContain("day 1/30 (2026-11-01)");
    expect(stderr).toContain("day 30/30 (2026-11-30)");
    expect((await readFile(`${base}.pdf`)).subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("the JSON matches the published schema (docs/report.schema.json)", async () => {
    const report = JSON.parse(await readFile(join(out, "capacity-2026-11-acme.json"), "utf8")) as CapacityReport;
    const schema = JSON.parse(await readFile("docs/report.schema.json", "utf8"));
    expect(validate(schema, report)).toEqual([]);
    expect(report.rpo[0]?.minutesBeyondTarget).toBe(50);
  });

  it("the CSV holds the same figures, one per line, a day's figure named by its day", async () => {
    const csv = await readFile(join(out, "capacity-2026-11-acme.csv"), "utf8");
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("section,level,tenant,site,group,volume,link,figure,value");
    expect(lines).toContain(`change,volume,acme,paris,erp,db,,totalBytes,${6e7 * (21600 - 1) + 1.2e8 * 21600}`);
    expect(lines).toContain("change,volume,acme,paris,erp,db,,dailyBytes[2026-11-16],172800000000");
    expect(lines).toContain("rpo,,acme,paris,erp,,,worstIncidents[0].start,2026-11-10T02:30Z");
    expect(lines).toContain("protection,,acme,paris,erp,,,flowControlDays,");
    expect(lines).toContain("gaps,,,,,,,start,2026-11-20T10:00Z");
  });

  describe("the HTML in headless Chromium", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("draws every chart with data, fits A4 when printed, needs no network; screenshot for review", async () => {
      const page = await browser.newPage({ viewport: { width: 703, height: 1000 } }); // 186 mm printable at 96 dpi
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.emulateMedia({ media: "print" });
      await page.goto(`file://${join(out, "capacity-2026-11-acme.html")}`);
      // Run in the page (this project's type check has no DOM library): every chart's drawn data marks.
      const charts = (await page.evaluate(`[...document.querySelectorAll("figure.chart")].map((figure) => ({
        title: figure.querySelector("figcaption")?.textContent ?? "",
        drawn: [...figure.querySelectorAll('[ecmeta_ssr_type="chart"]')].filter((m) => {
          const box = m.getBBox();
          return box.width > 0 || box.height > 0;
        }).length,
      }))`)) as { title: string; drawn: number }[];
      expect(charts.map((c) => c.title)).toEqual([
        "Raw change per day, largest groups",
        "Bytes on the wire per day",
        "Highest RPO per day",
      ]);
      for (const c of charts) expect(c.drawn, c.title).toBeGreaterThanOrEqual(30);
      const overflow = (await page.evaluate(`[...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((e) => e.tagName)`)) as string[];
      expect(overflow).toEqual([]);
      expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
    });
  });
});

describe("rpowatch report capacity without Chromium", () => {
  it("still writes JSON, CSV and HTML, says what to install for the PDF, and succeeds", async () => {
    const out = join(dir, "no-chromium");
    const r = await rpowatchWith(
      { RPOWATCH_CHROMIUM: join(dir, "no-chromium-here") },
      ...["capacity", "--month", "2026-11", "--tenant", "acme", "--store", store, "--out", out],
    );
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trim()
        .split("\n")
        .map((f) => f.slice(out.length + 1)),
    ).toEqual(["capacity-2026-11-acme.json", "capacity-2026-11-acme.csv", "capacity-2026-11-acme.html"]);
    expect(r.stderr).toContain("no PDF: no Chromium at");
    expect(r.stderr).toContain('install the Debian package "chromium"');
  });
});

describe("rpowatch report capacity refuses what it cannot report", () => {
  it("a tenant without data: exit 1, no files", async () => {
    const out = join(dir, "none");
    const r = await rpowatch("capacity", "--month", "2026-11", "--tenant", "initech", "--store", store, "--out", out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('history holds no samples for tenant "initech" in 2026-11');
    expect(existsSync(out)).toBe(false);
  });

  it("a month that has not started: exit 1", async () => {
    const r = await rpowatch("capacity", "--month", "2999-01", "--store", store, "--out", join(dir, "future"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("2999-01 has not started yet");
  });

  it("a store that is missing or not a store: exit 1 with the reason", async () => {
    const missing = await rpowatch("capacity", "--month", "2026-11", "--store", join(dir, "nope.duckdb"), "--out", dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no history store at");
    const corrupt = join(dir, "corrupt.duckdb");
    await writeFile(corrupt, "not a database");
    const bad = await rpowatch("capacity", "--month", "2026-11", "--store", corrupt, "--out", dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("cannot be opened");
  });
});
