/**
 * The live NOC page in headless Chromium against a running collector fed through the push API:
 * one row per protected group (production → recovery, both sites' health on the row), `unknown`
 * drawn apart, data on first paint without waiting for the live feed, a favicon, source strings
 * shown as text, and in-place updates.
 */
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./chromium.ts";
import { type GroupObservation, observationBatch, type PushStack, startPushStack } from "./push-stack.ts";

const HOSTILE = "<img src=x onerror=window.__pwned=1>";
const SCREENSHOT = join(tmpdir(), "rpowatch-artifacts", "noc-page.png");

let stack: PushStack;
let browser: Browser;
let page: Page;
let step = 0;

/** erp is reported by both its sites; the hostile group by one; mail's source says its state is unknown. */
const groups = (erpRpo: number): GroupObservation[] => [
  { tenant: "acme", site: "paris", group: "erp", rpoSeconds: erpRpo, state: "active", production: true },
  { tenant: "acme", site: "dr", group: "erp", rpoSeconds: 0.5, state: "active" },
  { tenant: HOSTILE, site: "lyon", group: `<b>${HOSTILE}</b>`, rpoSeconds: 2400, state: "resyncing" },
  { tenant: "globex", site: "berlin", group: "mail", rpoSeconds: 3, state: "unknown" },
];

const push = (erpRpo: number) =>
  stack.push(observationBatch(Math.floor(Date.now() / 1000) + step, ++step, groups(erpRpo)));

const row = (key: string) => page.locator(`tr[data-key="${key}"]`);

beforeAll(async () => {
  stack = await startPushStack();
  await push(12);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("live NOC page", () => {
  it("shows the groups on first paint, before the live feed has sent anything", async () => {
    const first = await browser.newPage();
    // The feed's socket is held: it never reaches the server, so no snapshot comes that way.
    await first.routeWebSocket(/\/live$/, () => {});
    await first.goto(`${stack.url}/`);
    await first.locator('tr[data-key="acme/erp"]').waitFor({ timeout: 20_000 });
    expect(await first.locator("#groups tr").count()).toBe(3);
    expect(await first.locator("#seq").innerText()).not.toBe("–");
    await first.close();
  });

  it("has a favicon", async () => {
    const href = await page.goto(`${stack.url}/`).then(() => page.locator('link[rel="icon"]').getAttribute("href"));
    const icon = await fetch(new URL(href!, `${stack.url}/`));
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toContain("image/svg+xml");
  });

  it("shows one row per protected group, production → recovery, worst RPO first", async () => {
    await page.locator("#groups tr").nth(2).waitFor();
    expect(await page.locator("#connection").innerText()).toMatch(/live/i);
    const names = await page.locator("#groups td.group-name").allInnerTexts();
    expect(names).toEqual([`<b>${HOSTILE}</b>`, "erp", "mail"]);
    const erp = row("acme/erp");
    expect(await erp.locator("td.production").innerText()).toMatch(/^paris\s+active$/);
    expect(await erp.locator("td.recovery").innerText()).toMatch(/^dr\s+active$/);
    // The row's RPO is production's (12 s when pushed, aging since), not the recovery site's 0.5 s.
    expect(await erp.innerText()).toMatch(/\b1\d s \/ 30\.00 min/);
    expect(await row("globex/mail").locator("td.recovery").innerText()).toMatch(/^dr\s+not reported$/);
  });

  it("draws a group whose state is unknown apart from every measured state", async () => {
    const badge = row("globex/mail").locator("td.production .state");
    expect(await badge.innerText()).toBe("unknown");
    expect(await badge.getAttribute("class")).toBe("state unknown");
    // --unknown (#b48cff): neither the healthy, the warning nor the critical colour.
    const colour = (node: unknown) =>
      (globalThis as unknown as { getComputedStyle(n: unknown): { color: string } }).getComputedStyle(node).color;
    expect(await badge.evaluate(colour)).toBe("rgb(180, 140, 255)");
    // Its RPO is a lower bound while the state is unknown, and grows from the 3 s last reported.
    const rpoText = () => row("globex/mail").locator("td.rpo").innerText();
    const shown = /^≥ (\d+(?:\.\d)?) s \/ 30\.00 min$/.exec(await rpoText());
    expect(Number(shown?.[1])).toBeGreaterThanOrEqual(3);
    await expect
      .poll(async () => Number(/^≥ (\S+) s/.exec(await rpoText())?.[1]), { timeout: 10_000 })
      .toBeGreaterThan(Number(shown?.[1]) + 1);
    const attention = page.locator("#attention li.unknown", { hasText: "state unknown" });
    expect(await attention.locator(".who").innerText()).toBe("globex / berlin / mail");
  });

  it("shows source strings as text, never as markup", async () => {
    expect(await page.locator("#groups img, #groups b, #attention img").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("#groups td.name").first().innerText()).toBe(HOSTILE);
  });

  it("updates in place when the RPO changes", async () => {
    await page.evaluate(() => {
      (globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    await push(1500);
    const erp = row("acme/erp");
    await expect.poll(() => erp.innerText(), { timeout: 15_000 }).toMatch(/25\.\d\d min \/ 30\.00 min/);
    expect(await erp.locator("td.rpo .bar").getAttribute("class")).toContain("warn");
    expect(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(
      true,
    );
    await mkdir(join(tmpdir(), "rpowatch-artifacts"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
