/** Headless Chromium (playwright-core driving the Debian package's binary) for the NOC page tests. */
import { type Browser, chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../../reports/render/pdf.ts";
import { requireBinary } from "../support/binaries.ts";

/** Launched with the flags the report printer uses, so tests and reports see the same browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: requireBinary("/usr/bin/chromium", "chromium"), args: [...CHROMIUM_ARGS] });
}
