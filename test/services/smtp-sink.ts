import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withFreePort } from "../../lib/ports.ts";
import { requireBinary } from "../support/binaries.ts";
import { acceptsConnections } from "../support/net.ts";
import { cleanupOnFailure, runCommand, spawnService, waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

/** A message the sink accepted, as parsed by Python's email package. */
export interface Mail {
  envelopeFrom: string;
  envelopeTo: string[];
  /** Address from the From header. */
  from: string;
  /** Addresses from the To and Cc headers. */
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  /** Attached files: name, MIME type, decoded size and SHA-256 of the decoded bytes. */
  attachments: Array<{ filename: string | null; contentType: string; size: number; sha256: string }>;
  /** Whether the session had switched to TLS (STARTTLS). */
  tls: boolean;
  authUser: string | null;
  /** The message as received (RFC 5322). */
  raw: string;
}

export interface SmtpSinkOptions {
  /** Offer and require STARTTLS with a fresh self-signed certificate for "localhost". */
  starttls?: boolean;
  /** Require AUTH PLAIN/LOGIN with these credentials (after STARTTLS when that is on). */
  auth?: { user: string; password: string };
}

export interface SmtpSinkInstance {
  host: "127.0.0.1";
  port: number;
  messages(): Mail[];
  waitForMail(predicate: (mail: Mail) => boolean, timeoutMs: number): Promise<Mail>;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("../support/smtp_sink.py", import.meta.url));

/** Starts an aiosmtpd-based SMTP server on 127.0.0.1 that records every message it accepts. */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSinkInstance> {
  // The pyenv python3 on PATH may lack aiosmtpd; the Debian interpreter has it.
  const python = requireBinary("/usr/bin/python3", "python3-aiosmtpd");
  if (!existsSync("/usr/lib/python3/dist-packages/aiosmtpd")) {
    throw new Error(
      "aiosmtpd not found: install the Debian package python3-aiosmtpd (apt-get install python3-aiosmtpd)",
    );
  }
  return withFreePort(async (port) => {
    const dir = await makeTempDir("smtp");
    const mailFile = join(dir, "mail.jsonl");
    const args = [SCRIPT, String(port), mailFile];
    const cleanupDir = () => removeTempDir(dir);
    if (opts.starttls) {
      const openssl = requireBinary("/usr/bin/openssl", "openssl");
      const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
      await cleanupOnFailure(cleanupDir, () =>
        runCommand(openssl, [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-subj",
          "/CN=localhost",
          "-days",
          "1",
          "-keyout",
          key,
          "-out",
          cert,
        ]),
      );
      args.push("--tls", cert, key);
    }
    if (opts.auth) args.push("--auth", opts.auth.user, opts.auth.password);
    const proc = spawnService({ name: "smtp-sink", command: python, args, cwd: dir });
    const stop = async () => {
      await proc.stop();
      await cleanupDir();
    };
    await cleanupOnFailure(stop, () =>
      waitFor(() => acceptsConnections(port), { timeoutMs: 15_000, what: "SMTP port", process: proc }),
    );
    const messages = (): Mail[] =>
      existsSync(mailFile)
        ? readFileSync(mailFile, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Mail)
        : [];
    return {
      host: "127.0.0.1",
      port,
      stop,
      messages,
      waitForMail: (predicate, timeoutMs) =>
        waitFor(() => messages().find(predicate), { timeoutMs, what: "a matching mail", process: proc }),
    };
  });
}
