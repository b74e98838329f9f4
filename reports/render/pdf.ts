/**
 * The PDF: the report's HTML printed on A4 by headless Chromium (Debian package `chromium`) driven
 * through playwright-core. Where Chromium is missing the caller still has the other formats; the
 * error says what to install.
 */
import { access, constants } from "node:fs/promises";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.RPOWATCH_CHROMIUM ?? "/usr/bin/chromium";

export class ChromiumMissingError extends Error {
  constructor(path: string) {
    super(
      `no Chromium at ${path}: install the Debian package "chromium" (apt-get install chromium) or set RPOWATCH_CHROMIUM`,
    );
  }
}

/** Flags for a headless Chromium without a sandbox or GPU, as this service runs it. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function printPdf(html: string): Promise<Buffer> {
  try {
    await access(CHROMIUM, constants.X_OK);
  } catch {
    throw new ChromiumMissingError(CHROMIUM);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    // No network: the report is self-contained, any request would be a bug.
    await page.route("**/*", (route) => route.abort());
    await page.setContent(html, { waitUntil: "load" });
    return await page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}
