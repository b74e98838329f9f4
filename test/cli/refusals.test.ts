/**
 * Errors counted: refusals that name no source — a push without a bearer token or with a token no
 * push source owns, and an Alertmanager webhook post that is not JSON, too large or not a webhook
 * payload — are counted by reason on the monitoring stack's /metrics (`rpowatch collect`), each
 * reason at 0 from the start, and the reply says what was wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Monitoring, startMonitoring } from "../../cli/stack/monitoring.ts";
import { stackConfig } from "../../config/schema.ts";
import { createLogger } from "../../lib/log.ts";
import { metrics } from "../../model/metrics.ts";
import { payload } from "../alerts/payloads.ts";
import { waitFor } from "../support/process.ts";

const TOKEN = "refusals-test-token-5c1e";
let monitoring: Monitoring;
const logLines: Array<{ level: number; msg: string; reason?: string }> = [];

beforeAll(async () => {
  process.env.RPOWATCH_REFUSALS_TOKEN = TOKEN;
  const config = stackConfig.parse({
    exporter: { listen: "127.0.0.1:0" },
    embedded: { enabled: false },
    collector: {
      sources: [{ kind: "push", name: "vendor-a", settings: { token: { env: "RPOWATCH_REFUSALS_TOKEN" } } }],
    },
    alerts: { evaluator: { enabled: false } },
    history: { enabled: false },
  });
  const logger = createLogger("debug", "test", { write: (line: string) => logLines.push(JSON.parse(line)) });
  monitoring = await startMonitoring(config, logger);
});

afterAll(async () => {
  await monitoring?.stop();
  delete process.env.RPOWATCH_REFUSALS_TOKEN;
});

const url = (path: string) => `${monitoring.exporter.url}${path}`;

async function counter(name: string, reason: string): Promise<number | undefined> {
  const body = await (await fetch(url("/metrics"))).text();
  const line = body.split("\n").find((l) => l.startsWith(`${name}{reason="${reason}"} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

const push = (headers: Record<string, string>) =>
  fetch(url("/api/v1/push"), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ timestamp: Date.now() / 1000, groups: [], links: [], journals: [] }),
  });

describe("pushes refused before a source is named", () => {
  const name = metrics.pushRefusals.name;

  it("exports every reason at 0 from the start", async () => {
    for (const reason of metrics.pushRefusals.extraLabels.reason) expect(await counter(name, reason)).toBe(0);
  });

  it("counts a missing or malformed token (401) and a token no source owns (403), and says which", async () => {
    const missing = await push({});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: string }).error).toMatch(/missing or malformed Authorization/);
    expect((await push({ authorization: "Basic dXNlcjpwYXNz" })).status).toBe(401);
    const unknown = await push({ authorization: "Bearer not-a-configured-token" });
    expect(unknown.status).toBe(403);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no push source owns it/);
    expect(await counter(name, "missing_token")).toBe(2);
    expect(await counter(name, "unknown_token")).toBe(1);
    // The source's own errors are untouched: these pushes named no source.
    const body = await (await fetch(url("/metrics"))).text();
    expect(body).toMatch(/^rpowatch_source_errors_total\{source="vendor-a",kind="push"\} 0$/m);
  });

  it("logs a burst of refusals once, as a warning; an accepted push ends the burst", async () => {
    const warnings = () => logLines.filter((l) => l.msg === "push refused" && l.level === 40).length;
    const before = warnings();
    await push({});
    await push({});
    expect(warnings()).toBe(before);
    expect((await push({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    await push({ authorization: "Bearer still-not-configured" });
    expect(warnings()).toBe(before + 1);
  });
});

describe("Alertmanager webhook posts refused", () => {
  const name = metrics.alertmanagerWebhookRefusals.name;
  const post = (body: string, contentType = "application/json") =>
    fetch(url("/api/v1/alertmanager"), { method: "POST", headers: { "content-type": contentType }, body });

  it("exports every reason at 0 from the start", async () => {
    for (const reason of metrics.alertmanagerWebhookRefusals.extraLabels.reason) {
      expect(await counter(name, reason)).toBe(0);
    }
  });

  it("counts each refused post by reason, and the reply names what was wrong", async () => {
    const cases: Array<[Response, number, string, RegExp]> = [
      [await post("{not json"), 400, "not_json", /invalid Alertmanager webhook payload/],
      [await post(JSON.stringify({ version: "4" })), 400, "invalid_payload", /alerts/],
      [await post(JSON.stringify({ version: "3", alerts: [] })), 400, "invalid_payload", /version/],
      [
        await post("status=firing", "application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
        /application\/json/,
      ],
      [await post(`"${"x".repeat(6 * 1024 * 1024)}"`), 413, "too_large", /larger than 5mb/],
    ];
    for (const [res, status, reason, error] of cases) {
      expect(res.status, reason).toBe(status);
      const reply = (await res.json()) as { error: string; reason: string };
      expect(reply.reason).toBe(reason);
      expect(reply.error).toMatch(error);
    }
    await waitFor(async () => (await counter(name, "invalid_payload")) === 2, { timeoutMs: 2000, what: "the count" });
    expect(await counter(name, "not_json")).toBe(1);
    expect(await counter(name, "unsupported_media_type")).toBe(1);
    expect(await counter(name, "too_large")).toBe(1);
  });

  it("logs a burst of refused posts once, as a warning; an accepted post ends the burst", async () => {
    const warnings = () => logLines.filter((l) => l.msg === "Alertmanager webhook refused" && l.level === 40);
    const accepted = JSON.stringify(
      payload([
        { key: "linkDown", labels: { tenant: "acme", site: "dr", link: "wan0", source: "x" }, value: 0, threshold: 1 },
      ]),
    );
    expect((await post(accepted)).status).toBe(202);
    const before = warnings().length;
    expect((await post("{not json")).status).toBe(400);
    expect((await post(JSON.stringify({ version: "4" }))).status).toBe(400);
    expect((await post("status=firing", "text/plain")).status).toBe(415);
    expect(warnings().length).toBe(before + 1);
    expect(warnings().at(-1)?.reason).toBe("not_json");
    // The rest of the burst is still logged, at debug.
    const debug = logLines.filter((l) => l.msg === "Alertmanager webhook refused" && l.level === 20);
    expect(debug.map((l) => l.reason).slice(-2)).toEqual(["invalid_payload", "unsupported_media_type"]);
    expect((await post(accepted)).status).toBe(202);
    expect((await post("{not json")).status).toBe(400);
    expect(warnings().length).toBe(before + 2);
  });
});
