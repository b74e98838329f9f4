/**
 * A recovery journal replicates one production site. A second production site with the same
 * group (a cloned config, a renamed host) is refused with the reason, on both sides, instead of
 * taking over the link and interleaving its writes; the binding survives a restart, and releasing
 * it through the recovery site's API lets the new site in, which then resyncs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHostPort } from "../../lib/host-port.ts";
import { FrameType } from "../../replication/link/framing.ts";
import type { SiteStatus } from "../../replication/status.ts";
import { startEngineSite } from "../support/engine-site.ts";
import { type ServiceProcess, waitFor } from "../support/process.ts";
import { EnginePair, PSK, qemuIo } from "./harness.ts";
import { ManualPeer } from "./manual-peer.ts";

describe("one production site per recovery journal", () => {
  let pair: EnginePair;
  let other: ServiceProcess | undefined;
  let otherControl: number;

  const otherStatus = async (): Promise<SiteStatus> =>
    (await fetch(`http://127.0.0.1:${otherControl}/status`)).json() as Promise<SiteStatus>;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "8MiB" });
    const text = readFileSync(pair.configs.production, "utf8")
      .replace("site: prod-a", "site: prod-z")
      .replace(/dataDir: .*/, `dataDir: ${join(pair.dir, "prod-z")}`)
      .replace(/control: .*/, 'control: { listen: "127.0.0.1:0" }')
      .replace(/nbd: .*/, 'nbd: { listen: "127.0.0.1:0" }');
    const file = join(pair.dir, "prod-z.yaml");
    writeFileSync(file, text);
    const started = await startEngineSite({
      name: "engine-prod-z",
      configFile: file,
      logLevel: "info",
      env: { ...process.env, RPOWATCH_PSK: PSK },
    });
    other = started.proc;
    otherControl = parseHostPort(started.listening.control).port;
    await waitFor(otherStatus, { timeoutMs: 30_000, what: "prod-z /status", process: other });
  });

  afterAll(async () => {
    await other?.stop();
    await pair?.close();
  });

  it("refuses a second production site and keeps replicating the first", async () => {
    const refused = await waitFor(
      async () => {
        const s = await otherStatus();
        return s.links[0]!.authFailuresTotal > 0 ? s : null;
      },
      { timeoutMs: 15_000, what: "prod-z refused" },
    );
    expect(refused.links[0]!.state).not.toBe("up");
    expect(refused.groups[0]!.durableSeq).toBe(0);
    expect(other!.output()).toContain("group g1 replicates from site prod-a, not prod-z");
    expect((await pair.status("recovery")).links[0]!.authFailuresTotal).toBeGreaterThan(0);

    // Naming no group in its hello does not get a stranger past the check: a session may send to any group.
    const { peer, answer } = await ManualPeer.handshake(pair.ports.link, "prod-y", []);
    peer.close();
    expect(answer.type).toBe(FrameType.refused);
    expect(answer.payload.toString()).toContain("group g1 replicates from site prod-a, not prod-y");

    await qemuIo(pair.nbdUri, ["write -P 0x61 0 1M", "flush"]);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
    expect((await pair.status("production")).links[0]!.state).toBe("up");
  });

  it("keeps the binding across a restart of the recovery site", async () => {
    await pair.proc.recovery!.stop();
    await pair.start("recovery");
    await pair.caughtUp();
    const before = (await otherStatus()).links[0]!.authFailuresTotal;
    await expect
      .poll(async () => (await otherStatus()).links[0]!.authFailuresTotal, { timeout: 20_000 })
      .toBeGreaterThan(before);
  });

  it("lets the new site in once the group is released, and the replica follows it", async () => {
    expect((await pair.api("production", "DELETE", "/groups/g1/source")).status).toBe(409);
    await pair.proc.production!.stop();
    const res = await pair.api("recovery", "DELETE", "/groups/g1/source");
    expect(res.status).toBe(200);
    await waitFor(
      async () => {
        const g = (await otherStatus()).groups[0]!;
        return g.state === "active" && g.rpoSeconds === 0 && g.durableSeq === g.headSeq;
      },
      { timeoutMs: 60_000, what: "prod-z caught up", intervalMs: 200, process: other },
    );
    await expect
      .poll(
        () =>
          readFileSync(join(pair.dir, "prod-z", "groups", "g1", "vol1.img")).equals(
            readFileSync(pair.image("recovery")),
          ),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
  });
});
