import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, parseConfig, resolveSecret } from "./config-file.ts";
import { parseByteSize, parseDuration } from "./units.ts";

const schema = z
  .object({ name: z.string(), port: z.number().int().max(65535), nested: z.object({ on: z.boolean() }) })
  .strict();

function issuesOf(text: string) {
  try {
    parseConfig(schema, text, "test.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("returns the validated document", () => {
    expect(parseConfig(schema, "name: a\nport: 80\nnested:\n  on: true\n", "x.yaml")).toEqual({
      name: "a",
      port: 80,
      nested: { on: true },
    });
  });

  it("reports every error with its path and line", () => {
    const issues = issuesOf("name: 3\nport: 70000\nnested:\n  on: maybe\nextra: 1\n");
    expect(issues.map((i) => [i.path, i.line])).toEqual(
      expect.arrayContaining([
        ["name", 1],
        ["port", 2],
        ["nested.on", 4],
        ["extra", 5],
      ]),
    );
    expect(issues.find((i) => i.path === "extra")?.message).toBe('unknown field "extra"');
  });

  it("reports YAML syntax errors with a line", () => {
    const issues = issuesOf("name: a\n  port: [1,\n");
    expect(issues[0]?.message).toMatch(/^YAML syntax/);
    expect(issues[0]?.line).toBeGreaterThan(0);
  });
});

describe("units", () => {
  it("parses durations", () => {
    expect(parseDuration("30m")).toBe(1800);
    expect(parseDuration("500ms")).toBe(0.5);
    expect(parseDuration("1d")).toBe(86400);
    expect(() => parseDuration("soon")).toThrow(/not a duration/);
  });

  it("parses sizes in SI and IEC units", () => {
    expect(parseByteSize("64MiB")).toBe(64 * 1024 * 1024);
    expect(parseByteSize("10GB")).toBe(10e9);
    expect(() => parseByteSize("lots")).toThrow(/not a size/);
  });
});

describe("resolveSecret", () => {
  it("reads environment variables and refuses unset ones", () => {
    expect(resolveSecret({ env: "X_SECRET" }, { X_SECRET: "s3" })).toBe("s3");
    expect(() => resolveSecret({ env: "MISSING" }, {})).toThrow(/MISSING is not set/);
  });

  it("names the file it cannot read", () => {
    expect(() => resolveSecret({ file: "/nonexistent/psk" })).toThrow(/\/nonexistent\/psk/);
  });
});
