import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FiringAlert } from "../../exporter/firing-alerts.ts";
import { launchChromium } from "./chromium.ts";
import { type RpowatchStack, startRpowatchStack } from "./rpowatch-stack.ts";

let stack: RpowatchStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The journal window is seconds old against a one-day requirement: once the initial sync ends,
  // ProtectionWindowCritical holds, and with a 2 s `for` the evaluator fires it.
  stack = await startRpowatchStack({ embedded: { alertFor: "2s" }, alerts: { evaluator: { interval: "1s" } } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const firing = async (): Promise<FiringAlert[]> =>
  ((await fetch(`${stack.url}/api/alerts`).then((r) => r.json())) as { alerts: FiringAlert[] }).alerts;

describe("live NOC page with `rpowatch start`", () => {
  it("shows the evaluator's alerts in the Attention strip as they fire, coloured by severity", async () => {
    // Opened as soon as the stack answers, before the initial sync ends and this alert can hold:
    // it arrives over the live feed's `alerts` messages, not with the first load.
    await page.goto(`${stack.url}/`);
    await page.locator("#connection.ok").waitFor();
    const item = page.locator("#attention li.alert", { hasText: "ProtectionWindowCritical" });
    await item.waitFor({ timeout: 90_000 });

    const alert = (await firing()).find((a) => a.labels.alertname === "ProtectionWindowCritical");
    expect(alert?.labels.severity).toBe("critical");
    expect(await item.getAttribute("class")).toBe("crit alert");
    expect(await item.locator(".who").innerText()).toBe("default / dr / g1");
    expect(await item.locator(".what").innerText()).toBe(`ProtectionWindowCritical: ${alert?.annotations.summary}`);
    // The theme's --crit (#ff4d4f): the item is drawn in the critical colour, not just classed.
    const colour = 'getComputedStyle(document.querySelector("#attention li.alert.crit")).color';
    expect(await page.evaluate(colour)).toBe("rgb(255, 77, 79)");
  });
});
