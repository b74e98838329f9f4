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

const groups = (erpRpo: number): GroupObservation[] => [
  { tenant: "acme", site: "paris", group: "erp", rpoSeconds: erpRpo },
  { tenant: HOSTILE, site: "lyon", group: `<b>${HOSTILE}</b>`, rpoSeconds: 2400 },
  { tenant: "globex", site: "berlin", group: "mail", rpoSeconds: 3 },
];

const push = (erpRpo: number) =>
  stack.push(observationBatch(Math.floor(Date.now() / 1000) + step, ++step, groups(erpRpo)));

const rowText = (key: string) => page.locator(`tr[data-key="${key}"]`).innerText();

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
  it("renders the groups of the running collector, worst RPO first", async () => {
    await page.goto(`${stack.url}/`);
    await page.locator("#groups tr").nth(2).waitFor();
    const names = await page.locator("#groups td.group-name").allInnerTexts();
    expect(names).toEqual([`<b>${HOSTILE}</b>`, "erp", "mail"]);
    expect(await rowText("vendor/acme/paris/erp")).toContain("12 s / 30.00 min");
    expect(await page.locator("#connection").innerText()).toMatch(/live/i);
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
    const row = page.locator('tr[data-key="vendor/acme/paris/erp"]');
    await expect.poll(() => row.innerText(), { timeout: 15_000 }).toContain("25.00 min / 30.00 min");
    expect(await row.locator("td.rpo .bar").getAttribute("class")).toContain("warn");
    expect(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(
      true,
    );
    await mkdir(join(tmpdir(), "rpowatch-artifacts"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
