import { describe, expect, it } from "vitest";
import {
  Cmd,
  decodeGoPayload,
  decodeOptionHeader,
  decodeRequestHeader,
  decodeSimpleReplyHeader,
  encodeExportNameReply,
  encodeGoPayload,
  encodeHandshake,
  encodeOption,
  encodeRequest,
  encodeSimpleReply,
  errnoName,
  IHAVEOPT,
  Opt,
  REQUEST_MAGIC,
  SIMPLE_REPLY_MAGIC,
} from "./protocol.ts";

describe("NBD wire encoding", () => {
  it("encodes the greeting exactly as proto.md lays it out", () => {
    expect(encodeHandshake(3).toString("hex")).toBe("4e42444d41474943" + "49484156454f5054" + "0003");
  });

  it("round-trips options, requests and replies", () => {
    expect(decodeOptionHeader(encodeOption(Opt.GO, Buffer.from("ab")))).toEqual({
      magic: IHAVEOPT,
      option: Opt.GO,
      length: 2,
    });
    const request = { flags: 1, type: Cmd.WRITE, cookie: 0xfedcba9876543210n, offset: 2 ** 40, length: 65536 };
    expect(decodeRequestHeader(encodeRequest(request))).toEqual({ magic: REQUEST_MAGIC, ...request });
    expect(decodeSimpleReplyHeader(encodeSimpleReply(22, 5n))).toEqual({
      magic: SIMPLE_REPLY_MAGIC,
      error: 22,
      cookie: 5n,
    });
    expect(decodeGoPayload(encodeGoPayload("disk", [1, 3]))).toEqual({ name: "disk", infos: [1, 3] });
  });

  it("rejects INFO/GO payloads whose lengths do not add up", () => {
    const good = encodeGoPayload("disk", [3]);
    expect(decodeGoPayload(good.subarray(0, good.length - 1))).toBeUndefined();
    expect(decodeGoPayload(Buffer.concat([good, Buffer.from([0])]))).toBeUndefined();
    const hugeName = Buffer.from(good);
    hugeName.writeUInt32BE(0xffffffff, 0);
    expect(decodeGoPayload(hugeName)).toBeUndefined();
    expect(decodeGoPayload(Buffer.alloc(3))).toBeUndefined();
  });

  it("pads the legacy EXPORT_NAME reply unless NO_ZEROES was negotiated", () => {
    expect(encodeExportNameReply(4096, 1, false)).toHaveLength(134);
    expect(encodeExportNameReply(4096, 1, true)).toHaveLength(10);
    expect(errnoName(22)).toBe("EINVAL");
    expect(errnoName(999)).toBe("errno 999");
  });
});
