/**
 * Fuzz test of the push routes: well over 1,000 generated malformed payloads against a real HTTP
 * server. Each must be answered with a 4xx, and the source's state must not move. The template is
 * newer than the held state, so any mutation the validator let through would change the snapshot.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type PushHarness, post, startPushServer, T, TOKEN, validBatch } from "./push-server.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;
interface Case {
  label: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

// mulberry32: a small seeded generator, so every run sends the same payloads.
function prng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <V>(xs: readonly V[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

const template = () => validBatch(T + 200) as unknown as Json;

function paths(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== "object") return [];
  const entries: Array<[string | number, Json]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

const get = (root: Json, path: Path): Json => path.reduce<Json>((node, k) => (node as Record<string, Json>)[k]!, root);

function withValue(path: Path, value: Json | undefined): Json {
  const root = template();
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Json>;
  if (value === undefined) delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = value;
  return root;
}

/** Serializes with a raw JSON token (NaN, 1e400…) in place of the value at `path`. */
const withRaw = (path: Path, raw: string) => JSON.stringify(withValue(path, "__RAW__")).replace('"__RAW__"', raw);

const REQUIRED = new Set([
  "timestamp",
  "tenant",
  "site",
  "group",
  "link",
  "state",
  "rpoSeconds",
  "name",
  "sizeBytes",
  "writtenBytesTotal",
  "writeOpsTotal",
  "wireBytesTotal",
  "rawBytesTotal",
  "capacityBytes",
  "usedBytes",
  "oldestRecoverableTimestamp",
  "newestRecoverableTimestamp",
  "requiredWindowSeconds",
  "achievedWindowSeconds",
]);

function generate(count: number): Case[] {
  const r = prng(20261122);
  const all = paths(template());
  const numeric = all.filter((p) => typeof get(template(), p) === "number");
  const strings = all.filter((p) => typeof get(template(), p) === "string");
  const required = all.filter((p) => typeof p.at(-1) === "string" && REQUIRED.has(p.at(-1) as string));
  const objects = all.filter((p) => {
    const v = get(template(), p);
    return v !== null && typeof v === "object";
  });
  const records = objects.filter((p) => !Array.isArray(get(template(), p)));
  const valid = JSON.stringify(template());
  const wrongFor = (v: Json): Json[] =>
    typeof v === "number"
      ? ["12", true, null, [], {}]
      : typeof v === "string"
        ? [42, false, null, [], { a: 1 }]
        : ["x", 5, null, true];

  const makers: Array<() => Case> = [
    () => ({ label: "random bytes", body: Uint8Array.from({ length: r.int(2000) }, () => r.int(256)) }),
    () => ({ label: "truncated JSON", body: valid.slice(0, r.int(valid.length)) }),
    () => {
      const p = r.pick(all);
      return {
        label: `wrong type at ${p.join(".")}`,
        body: JSON.stringify(withValue(p, r.pick(wrongFor(get(template(), p))))),
      };
    },
    () => {
      const p = r.pick(required);
      return { label: `missing ${p.join(".")}`, body: JSON.stringify(withValue(p, undefined)) };
    },
    () => {
      const p = r.pick(numeric);
      const token = r.pick([
        '"NaN"',
        '"Infinity"',
        '"-Infinity"',
        "NaN",
        "Infinity",
        "1e400",
        "-1e400",
        '"1e3"',
        "null",
      ]);
      return { label: `NaN-ish ${token} at ${p.join(".")}`, body: withRaw(p, token) };
    },
    () => {
      const p = r.pick(numeric);
      const token = r.pick(["-1", "-0.5", "-1e6", "-9007199254740991"]);
      return { label: `negative ${token} at ${p.join(".")}`, body: withRaw(p, token) };
    },
    () => {
      const p = r.pick(numeric);
      const token = r.pick(["18446744073709551616", "1e300", "1e19", "9007199254740993"]);
      return { label: `huge ${token} at ${p.join(".")}`, body: withRaw(p, token) };
    },
    () => {
      const depth = 9 + r.int(50_000);
      const open = r.pick(["[", '{"a":']);
      const close = open === "[" ? "]" : "}";
      return { label: `nesting ${depth}`, body: `${open.repeat(depth)}1${close.repeat(depth)}` };
    },
    () => {
      const p = r.pick(objects);
      return { label: `nested value at ${p.join(".")}`, body: withRaw(p, `${"[".repeat(20)}${"]".repeat(20)}`) };
    },
    () => {
      const p = [...r.pick(records), `extra${r.int(100)}`];
      return { label: `unknown field ${p.join(".")}`, body: JSON.stringify(withValue(p, 1)) };
    },
    () => {
      const p = r.pick(strings);
      // An empty peerSite is valid ("unknown"); every other string field must be non-empty.
      const bad = r.pick([
        "x".repeat(129),
        "a\u0000b",
        "tab\there",
        "\u0007",
        ...(p.at(-1) === "peerSite" ? [] : [""]),
      ]);
      return { label: `bad string at ${p.join(".")}`, body: JSON.stringify(withValue(p, bad)) };
    },
    () => ({
      label: "invalid UTF-8 in a string",
      body: Buffer.concat([
        Buffer.from(valid.slice(0, 40)),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(valid.slice(40)),
      ]),
    }),
    () => {
      const p = r.pick(numeric.filter((q) => /timestamp/i.test(String(q.at(-1)))));
      return { label: `milliseconds at ${p.join(".")}`, body: withRaw(p, String((T + 200) * 1000)) };
    },
    () => ({ label: "top level not an object", body: r.pick(["[]", "null", "1", '"batch"', "true"]) }),
    () => ({
      label: "wrong content type",
      body: valid,
      headers: { "content-type": r.pick(["text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""]) },
    }),
    () => ({
      label: "bad credentials",
      body: valid,
      headers: {
        authorization: r.pick(["", "Bearer", `bearer ${TOKEN}x`, `Basic ${TOKEN}`, `Bearer ${"a".repeat(600)}`]),
      },
    }),
  ];
  const cases = Array.from({ length: count }, () => r.pick(makers)());
  // Few but real: bodies above the 1 MiB limit, one with a Content-Length, one valid JSON prefix.
  cases.push({ label: "huge body", body: "x".repeat(1024 * 1024 + 1) });
  cases.push({
    label: "huge valid-looking body",
    body: `${valid.slice(0, -1)},"pad":"${"p".repeat(2 * 1024 * 1024)}"}`,
  });
  return cases;
}

let h: PushHarness;
beforeAll(async () => {
  h = await startPushServer();
  expect((await post(h.url, JSON.stringify(validBatch(T + 100)))).status).toBe(200);
});
afterAll(() => h.close());

it("answers every malformed payload with a 4xx and leaves the state unchanged", async () => {
  const before = structuredClone(h.sink.last());
  const count = h.sink.snapshots.length;
  const cases = generate(1200);
  const wrong: string[] = [];
  for (const c of cases) {
    const res = await post(h.url, c.body, c.headers);
    await res.arrayBuffer();
    if (res.status < 400 || res.status > 499) wrong.push(`${c.label}: ${res.status}`);
  }
  expect(wrong).toEqual([]);
  expect(h.sink.snapshots.length).toBe(count);
  expect(h.sink.last()).toEqual(before);
  // Still serving: the template itself is accepted afterwards.
  expect((await post(h.url, JSON.stringify(template()))).status).toBe(200);
  expect(h.sink.last()!.timestamp).toBe(T + 200);
});
