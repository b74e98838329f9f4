/**
 * The live NOC page in headless Chromium, opened on a rig's exporter: a group's row (each site's
 * state, the RPO as shown), a link's state and the attention strip, read as an operator sees them.
 */
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../../dashboards/chromium.ts";

export interface NocRow {
  /** The state badges on the production side ("active", "unknown", "source down"…). */
  production: string;
  /** The RPO in seconds as the row shows it, and whether it is marked as a lower bound (≥). */
  rpoSeconds: number;
  atLeast: boolean;
}

export interface NocPage {
  page: Page;
  /** The row of `tenant/group` once it is drawn. */
  row(tenant: string, group: string): Promise<NocRow>;
  /** The state shown for a link of `site`. */
  linkState(site: string): Promise<string>;
  /** The attention strip's items, each as its text (who, then what). */
  attention(): Promise<string[]>;
  close(): Promise<void>;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, min: 60, days: 86_400 };

/** Seconds from the page's duration format (exporter/noc/format.js), e.g. "≥ 4.2 s / 1.00 min". */
export function shownSeconds(text: string): { seconds: number; atLeast: boolean } {
  const m = /^(≥ )?([\d.]+) (ms|s|min|days) \//.exec(text.trim());
  if (!m) throw new Error(`not an RPO as the NOC page shows it: "${text}"`);
  return { seconds: Number(m[2]) * UNIT_SECONDS[m[3]!]!, atLeast: m[1] !== undefined };
}

export async function openNocPage(url: string): Promise<NocPage> {
  const browser: Browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  return {
    page,
    async row(tenant, group) {
      const tr = page.locator(`tr[data-key="${tenant}/${group}"]`);
      await tr.waitFor({ timeout: 20_000 });
      const rpo = shownSeconds(await tr.locator("td.rpo").innerText());
      return {
        production: (await tr.locator("td.production .state").allInnerTexts()).join(" "),
        rpoSeconds: rpo.seconds,
        atLeast: rpo.atLeast,
      };
    },
    async linkState(site) {
      const siteCell = page.locator("td.name:nth-child(2)", { hasText: new RegExp(`^${site}$`) });
      const tr = page.locator("#links tr", { has: siteCell }).first();
      await tr.waitFor({ timeout: 20_000 });
      return tr.locator(".state").innerText();
    },
    attention: () => page.locator("#attention li").allInnerTexts(),
    close: () => browser.close(),
  };
}
