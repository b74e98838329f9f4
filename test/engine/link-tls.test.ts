/**
 * Mutual TLS on the link: with certificates from one CA on both sites, replicated bytes cross the
 * wire encrypted (a tap on the link sees none of the written pattern, where the same write over
 * plain TCP shows it) and still arrive exactly; a production site whose certificate another CA
 * signed is refused in the handshake, and both sites report the refusal.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { requireBinary } from "../support/binaries.ts";
import { runCommand } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { EnginePair, qemuIo } from "./harness.ts";

const PATTERN = Buffer.alloc(4096, 0x41);

async function openssl(args: string[]): Promise<void> {
  await runCommand(requireBinary("/usr/bin/openssl", "openssl"), args);
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A CA in `dir`/`name`.crt|key. */
async function makeCa(dir: string, name: string): Promise<void> {
  const at = join(dir, name);
  await openssl([
    "req",
    "-x509",
    ...EC_KEY,
    "-subj",
    `/CN=${name}`,
    "-days",
    "1",
    "-keyout",
    `${at}.key`,
    "-out",
    `${at}.crt`,
  ]);
}

/** A certificate for 127.0.0.1 signed by `ca`, in `dir`/`name`.crt|key. */
async function makeSiteCert(dir: string, name: string, ca: string): Promise<void> {
  const at = join(dir, name);
  const ext = join(dir, `${name}.ext`);
  await runCommand("/bin/sh", ["-c", `printf 'subjectAltName=IP:127.0.0.1\\n' > '${ext}'`]);
  await openssl(["req", ...EC_KEY, "-subj", `/CN=${name}`, "-keyout", `${at}.key`, "-out", `${at}.csr`]);
  const caAt = join(dir, ca);
  await openssl([
    "x509",
    "-req",
    "-in",
    `${at}.csr`,
    "-CA",
    `${caAt}.crt`,
    "-CAkey",
    `${caAt}.key`,
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    ext,
    "-out",
    `${at}.crt`,
  ]);
}

const tlsLines = (dir: string, cert: string, ca: string) => [
  "tls:",
  `  cert: ${join(dir, `${cert}.crt`)}`,
  `  key: { file: ${join(dir, `${cert}.key`)} }`,
  `  ca: ${join(dir, `${ca}.crt`)}`,
];

describe("mutual TLS on the link", () => {
  let certs = "";
  let pair: EnginePair | undefined;
  const wire: Buffer[] = [];

  beforeAll(async () => {
    certs = await makeTempDir("link-tls");
    await makeCa(certs, "ca");
    await makeCa(certs, "other-ca");
    await makeSiteCert(certs, "rec", "ca");
    await makeSiteCert(certs, "prod", "ca");
    await makeSiteCert(certs, "rogue", "other-ca");
  });

  afterAll(async () => {
    if (certs) await removeTempDir(certs);
  });

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
    wire.length = 0;
  });

  /** A pair whose link runs through the tapping proxy, uncompressed (so plaintext would show). */
  async function startPair(productionTls: string[], recoveryTls: string[]): Promise<EnginePair> {
    pair = await EnginePair.create({
      volumeSize: "8MiB",
      proxy: true,
      productionLink: ["compression: off", ...productionTls],
      recoveryLink: recoveryTls,
    });
    pair.proxy!.tap = (chunk) => wire.push(chunk);
    await pair.start("recovery");
    await pair.start("production");
    return pair;
  }

  it("encrypts the replicated bytes on the wire and still replicates them exactly", async () => {
    const p = await startPair(tlsLines(certs, "prod", "ca"), tlsLines(certs, "rec", "ca"));
    await p.caughtUp();
    await qemuIo(p.nbdUri, ["write -P 0x41 0 256k"]);
    await p.caughtUp();
    expect(p.imagesIdentical()).toBe(true);
    expect(Buffer.concat(wire).includes(PATTERN)).toBe(false);
    expect((await p.status("production")).links[0]).toMatchObject({ state: "up", authFailuresTotal: 0 });
  });

  it("shows the same write in the clear on a plain link (the tap can see plaintext)", async () => {
    const p = await startPair([], []);
    await p.caughtUp();
    await qemuIo(p.nbdUri, ["write -P 0x41 0 256k"]);
    await p.caughtUp();
    expect(Buffer.concat(wire).includes(PATTERN)).toBe(true);
  });

  it("refuses a production site whose certificate another CA signed, and both sites report it", async () => {
    const p = await startPair(tlsLines(certs, "rogue", "ca"), tlsLines(certs, "rec", "ca"));
    const refused = async (role: "production" | "recovery") => (await p.status(role)).links[0]!.authFailuresTotal;
    await expect.poll(() => refused("recovery"), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => refused("production"), { timeout: 15_000 }).toBeGreaterThan(0);
    expect((await p.status("production")).links[0]!.state).not.toBe("up");
    expect(p.logs()).toMatch(/TLS/);
  });
});
