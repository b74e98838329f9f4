/**
 * DR readiness on the live NOC page, against `rpowatch start` running a real drill: per group the
 * time since its last successful test ("never tested" before any), the last drill's measured RTO
 * and the recovery state (off, image access, test failover, failed over), updated live as the
 * drill runs and when the group fails over.
 */
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain browser module without type declarations
import { duration } from "../../exporter/noc/format.js";
import { waitFor } from "../support/process.ts";
import { launchChromium } from "./chromium.ts";
import { type RpowatchStack, startRpowatchStack } from "./rpowatch-stack.ts";

let stack: RpowatchStack;
let browser: Browser;
let page: Page;
let row: Locator;

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
}

const text = (cls: string) => row.locator(`td.${cls}`).innerText();

beforeAll(async () => {
  stack = await startRpowatchStack();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(`${stack.url}/`);
  row = page.locator("#groups tr", { has: page.locator("td.group-name", { hasText: /^g1$/ }) });
  // Both sites report the group: the recovery side (which runs drills) is on the row.
  await waitFor(async () => /^dr\s+(?!not reported)/.test(await row.locator("td.recovery").innerText()), {
    timeoutMs: 60_000,
    what: "group g1 reported by its recovery site dr on the page",
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("DR readiness on the live NOC page", () => {
  it("says 'never tested' for a group with no drill on record, with no RTO and image access off", async () => {
    await expect.poll(() => text("recovery-state"), { timeout: 30_000 }).toBe("off");
    expect(await text("drill-age")).toBe("never tested");
    expect(await row.locator("td.drill-age span").getAttribute("class")).toBe("drill warn");
    expect(await text("drill-rto")).toBe("–");
  });

  it("shows a running test failover, then the drill's age and measured RTO once it has passed", async () => {
    const image = `${stack.controlUrl("dr")}/groups/g1/image`;
    await post(image, { latest: true, writable: true, operator: "noc-test" });
    await expect.poll(() => text("recovery-state"), { timeout: 30_000 }).toBe("test failover");
    expect(await text("drill-age")).toBe("never tested");

    await post(`${image}/end`, { result: "passed" });
    await expect.poll(() => text("recovery-state"), { timeout: 30_000 }).toBe("off");
    await expect.poll(() => text("drill-age"), { timeout: 30_000 }).toMatch(/^\d+(\.\d)? (s|ms) ago$/);
    expect(await row.locator("td.drill-age span").getAttribute("class")).toBe("drill ok");
    const drill = (await (await fetch(`${stack.controlUrl("dr")}/status`)).json()) as {
      groups: { name: string; recovery?: { lastDrillRtoSeconds?: number } }[];
    };
    const rto = drill.groups.find((g) => g.name === "g1")?.recovery?.lastDrillRtoSeconds;
    expect(rto).toBeGreaterThan(0);
    expect(await text("drill-rto")).toBe(duration(rto));
  });

  it("shows a failover: failed over to the recovery site, its RTO, and an attention item", async () => {
    const response = await fetch(`${stack.controlUrl("dr")}/groups/g1/failover`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latest: true, operator: "noc-test" }),
    });
    expect(response.status).toBe(201);
    const failover = (await response.json()) as { rtoSeconds: number };
    await expect.poll(() => text("recovery-state"), { timeout: 30_000 }).toBe("failed over to dr");
    expect(await row.locator("td.recovery-state span").getAttribute("class")).toBe("state warn");
    await expect.poll(() => text("drill-rto"), { timeout: 30_000 }).toBe(duration(failover.rtoSeconds));
    // A failover is not a test: the drill age stays the last test's.
    expect(await text("drill-age")).toMatch(/ ago$/);
    const attention = page.locator("#attention li", { hasText: "failed over to this site" });
    await expect.poll(() => attention.count(), { timeout: 30_000 }).toBe(1);
    expect(await attention.locator(".who").innerText()).toMatch(/\/ dr \/ g1$/);
  });
});
