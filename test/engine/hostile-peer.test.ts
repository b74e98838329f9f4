/**
 * A peer that holds the key but sends damaged batches: flipped, cut or padded records, lying
 * headers, bogus codecs. The recovery site must refuse every one (protocol error, connection
 * closed), keep its journal exactly as it was, and still accept a clean batch afterwards.
 */
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compress as zstdCompress } from "zstd-napi";
import { type BatchHeader, batchFrame } from "../../replication/link/batch-frame.ts";
import { encodeRecords } from "../../replication/production/record-codec.ts";
import type { ReplicatedWrite } from "../../replication/records.ts";
import { EnginePair } from "./harness.ts";
import { ManualPeer } from "./manual-peer.ts";

const ROUNDS = 220;

function cleanBatch(firstSeq: number): { header: BatchHeader; data: Buffer; records: ReplicatedWrite[] } {
  const records: ReplicatedWrite[] = [0, 1, 2].map((i) => ({
    seq: firstSeq + i,
    timestamp: Date.now() / 1000,
    volume: "vol1",
    offset: randomInt(0, 256) * 4096,
    length: 4096,
    kind: "write",
    data: randomBytes(4096),
  }));
  const data = encodeRecords(records);
  const header = { group: "g1", codec: 0, rawLength: data.length, firstSeq, lastSeq: firstSeq + 2 };
  return { header, data, records };
}

/** 2 KiB that decode to 64 MiB. */
const ZSTD_BOMB = zstdCompress(Buffer.alloc(64 * 1024 * 1024));

type Damage = (b: { header: BatchHeader; data: Buffer }) => { header: object; data: Buffer };

const DAMAGES: Record<string, Damage> = {
  "flipped record bytes": ({ header, data }) => {
    const d = Buffer.from(data);
    for (let i = randomInt(1, 4); i > 0; i--) d[randomInt(0, d.length)]! ^= randomInt(1, 256);
    return { header, data: d };
  },
  "records cut short": ({ header, data }) => {
    const d = data.subarray(0, randomInt(0, data.length));
    return { header: { ...header, rawLength: d.length }, data: d };
  },
  "garbage appended": ({ header, data }) => {
    const d = Buffer.concat([data, randomBytes(randomInt(1, 100))]);
    return { header: { ...header, rawLength: d.length }, data: d };
  },
  "rawLength that lies": ({ header, data }) => ({ header: { ...header, rawLength: data.length + 1 }, data }),
  "first seq after a gap": ({ header, data }) => ({ header: { ...header, firstSeq: header.firstSeq + 1 }, data }),
  "unknown codec": ({ header, data }) => ({ header: { ...header, codec: 9 }, data }),
  "raw bytes labelled lz4": ({ header, data }) => ({ header: { ...header, codec: 1 }, data }),
  "raw bytes labelled zstd": ({ header, data }) => ({ header: { ...header, codec: 2 }, data }),
  "unknown group": ({ header, data }) => ({ header: { ...header, group: "g9" }, data }),
  "zstd frame expanding past rawLength": ({ header }) => ({
    header: { ...header, codec: 2, rawLength: ZSTD_BOMB.length },
    data: ZSTD_BOMB,
  }),
  "rawLength of 4 GiB": ({ header, data }) => ({ header: { ...header, rawLength: 2 ** 32 }, data }),
};

describe("recovery site against an authenticated peer sending damaged batches", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.recoveryOnly({ volumeSize: "1MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it(`refuses ${ROUNDS} damaged batches without touching the journal, then applies a clean one`, async () => {
    const before = await pair.group("recovery");
    const names = Object.keys(DAMAGES);
    const accepted: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const name = names[round % names.length]!;
      const { peer, durableSeq } = await ManualPeer.authenticated(pair.ports.link);
      const { header, data } = DAMAGES[name]!(cleanBatch(durableSeq + 1));
      peer.send(batchFrame(header as BatchHeader, [data]));
      if ((await peer.outcome()) !== null) accepted.push(name);
      peer.close();
    }
    expect(accepted, "damaged batches the site acknowledged").toEqual([]);
    const after = await pair.group("recovery");
    expect(after.durableSeq).toBe(before.durableSeq);
    expect(after.journal!.usedBytes).toBe(before.journal!.usedBytes);
    expect(after.journal!.corruptRecordsTotal).toBe(0);
    expect(pair.logs()).toMatch(/protocol error/);

    const { peer, durableSeq } = await ManualPeer.authenticated(pair.ports.link);
    const clean = cleanBatch(durableSeq + 1);
    peer.send(batchFrame(clean.header, [clean.data]));
    expect(await peer.outcome()).not.toBeNull();
    peer.close();
    await expect.poll(async () => (await pair.group("recovery")).appliedSeq, { timeout: 10_000 }).toBe(durableSeq + 3);
    const replica = readFileSync(pair.image("recovery"));
    const newest = new Map(clean.records.map((r) => [r.offset, r.data!]));
    for (const [offset, bytes] of newest) expect(replica.subarray(offset, offset + 4096).equals(bytes)).toBe(true);
  });
});
