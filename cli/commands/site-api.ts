/**
 * The client `rpowatch recover` and `rpowatch drills` use to reach a site's control API
 * (docs/engine-api.md, docs/recovery.md). A refusal is raised with the site's own reason, so the
 * operator reads what was wrong, not an HTTP status alone.
 */
import { Option } from "commander";
import { DEFAULT_STACK_DATA_DIR } from "../../lib/stack-data-dir.ts";
import { runningStackSite } from "../stack/running-stack.ts";

/** A request the site refused (4xx) or failed (5xx); `status` 0 when the site could not be reached. */
export class SiteApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "SiteApiError";
  }
}

/**
 * `--site URL`; its default is RPOWATCH_SITE, so an operator sets the recovery site once per shell,
 * and without either the recovery site of the `rpowatch start` stack running here (SiteApi.connect).
 */
export function siteOption(): Option {
  return new Option(
    "--site <url>",
    `control API of the site, e.g. http://127.0.0.1:9101 (default: the recovery site of the rpowatch start stack running in this directory, found in ${DEFAULT_STACK_DATA_DIR}/)`,
  ).env("RPOWATCH_SITE");
}

export class SiteApi {
  private readonly base: string;

  /** The site given (--site or RPOWATCH_SITE), else the recovery site of the stack `npm start` runs here. */
  static async connect(site: string | undefined): Promise<SiteApi> {
    if (site) return new SiteApi(site);
    const running = await runningStackSite(DEFAULT_STACK_DATA_DIR, "recovery");
    if ("missing" in running)
      throw new SiteApiError(
        0,
        `no site given: pass --site URL (or set RPOWATCH_SITE) with the recovery site's control API, or run the command where rpowatch start (npm start) runs; ${running.missing}`,
      );
    return new SiteApi(running.url);
  }

  constructor(site: string) {
    let url: URL;
    try {
      url = new URL(site);
    } catch {
      throw new SiteApiError(0, `--site "${site}" is not a URL (expected e.g. http://127.0.0.1:9101)`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new SiteApiError(0, `--site "${site}" must be an http:// or https:// URL`);
    this.base = url.href.replace(/\/$/, "");
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("POST", path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new SiteApiError(
        0,
        `cannot reach ${this.base}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let reason = text.trim();
      try {
        reason = (JSON.parse(text) as { error?: string }).error ?? reason;
      } catch {}
      throw new SiteApiError(res.status, `${method} ${path}: ${res.status} ${reason}`);
    }
    return JSON.parse(text) as T;
  }
}
