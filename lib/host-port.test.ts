import { describe, expect, it } from "vitest";
import { formatHostPort, hostPortProblem, parseHostPort } from "./host-port.ts";

describe("host:port addresses", () => {
  it("parses names, IPv4 and bracketed IPv6, and formats them back", () => {
    for (const [text, host, port] of [
      ["127.0.0.1:9464", "127.0.0.1", 9464],
      ["dr.example.net:9900", "dr.example.net", 9900],
      ["[::1]:10809", "::1", 10809],
      ["0.0.0.0:0", "0.0.0.0", 0],
    ] as const) {
      expect(parseHostPort(text)).toEqual({ host, port });
      expect(formatHostPort({ host, port })).toBe(text);
    }
  });

  it("says what is wrong with anything else", () => {
    expect(hostPortProblem("127.0.0.1")).toBe("expected host:port, e.g. 127.0.0.1:10809");
    expect(hostPortProblem("::1:80")).toBe("expected host:port, e.g. 127.0.0.1:10809");
    expect(hostPortProblem("host:99999")).toBe("port must be 0-65535");
    expect(() => parseHostPort("http://x:1")).toThrow('"http://x:1": expected host:port');
  });
});
