import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log.ts";

/** A logger writing into memory; `lines()` gives each line as written. */
function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger("info", "test", stream), lines: () => chunks.join("").trim().split("\n") };
}

describe("log lines", () => {
  it("carry each key once when a child logger's call repeats a bound key", () => {
    const { logger, lines } = capture();
    logger.child({ group: "g1" }).info({ group: "g1", atSeq: 7 }, "journal: resync ended");
    const [line] = lines();
    expect(line!.match(/"group"/g)).toHaveLength(1);
    expect(JSON.parse(line!)).toMatchObject({ group: "g1", atSeq: 7, msg: "journal: resync ended" });
  });

  it("keep a repeated key's different value under its own name", () => {
    const { logger, lines } = capture();
    logger.child({ group: "g1" }).warn({ group: "g2" }, "mismatch");
    const [line] = lines();
    expect(line!.match(/"group"/g)).toHaveLength(1);
    expect(JSON.parse(line!)).toMatchObject({ group: "g1", groupLogged: "g2" });
  });

  it("still censors secrets and logs errors and plain messages", () => {
    const { logger, lines } = capture();
    logger.info({ link: { psk: "s3cret" } }, "configured");
    logger.error(new Error("boom"));
    logger.info("plain");
    const [configured, error, plain] = lines().map((l) => JSON.parse(l));
    expect(configured.link.psk).toBe("[redacted]");
    expect(error.err.message).toBe("boom");
    expect(plain.msg).toBe("plain");
  });
});
