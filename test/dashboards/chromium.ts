/** Headless Chromium (playwright-core driving the Debian package's binary) for the NOC page tests. */
import { type Browser, chromium } from "playwright-core";
import { requireBinary } from "../support/binaries.ts";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireBinary("/usr/bin/chromium", "chromium"),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
