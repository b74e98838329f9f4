import { describe, expect, it } from "vitest";
import { negotiateEncoding, negotiateFormat } from "../../exporter/negotiate.ts";

describe("negotiation", () => {
  it("prefers OpenMetrics the way Prometheus asks for it", () => {
    const prometheus = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1";
    expect(negotiateFormat(prometheus)).toBe("openmetrics");
    expect(negotiateFormat("text/plain;version=0.0.4")).toBe("prometheus");
    expect(negotiateFormat(undefined)).toBe("prometheus");
  });

  it("gzips only for clients that accept it", () => {
    expect(negotiateEncoding("gzip")).toBe("gzip");
    expect(negotiateEncoding("deflate, gzip;q=0.5")).toBe("gzip");
    expect(negotiateEncoding("*")).toBe("gzip");
    expect(negotiateEncoding("gzip;q=0, *")).toBe("identity");
    expect(negotiateEncoding("identity")).toBe("identity");
    expect(negotiateEncoding(undefined)).toBe("identity");
  });
});
