import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { freePorts, withFreePort } from "./ports.ts";

describe("freePorts", () => {
  it("hands out distinct, bindable ports below the kernel's ephemeral range", async () => {
    const ephemeralStart = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0],
    );
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralStart);
      const server = createServer();
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject).listen(port, "127.0.0.1", () => resolve(server));
  });

describe("withFreePort", () => {
  it("starts the service again on another port when its port was taken between picking and binding", async () => {
    const thieves: Server[] = [];
    const tried: number[] = [];
    const service = await withFreePort(async (port) => {
      tried.push(port);
      // Another process binds the first port picked before the service does.
      if (tried.length === 1) thieves.push(await listen(port));
      return listen(port);
    });
    const address = service.address();
    expect(tried).toHaveLength(2);
    expect(typeof address === "object" && address?.port).toBe(tried[1]);
    for (const s of [service, ...thieves]) await new Promise((resolve) => s.close(resolve));
  });

  it("passes any other failure on at once", async () => {
    let calls = 0;
    await expect(
      withFreePort(async () => {
        calls++;
        throw new Error("config file invalid");
      }),
    ).rejects.toThrow("config file invalid");
    expect(calls).toBe(1);
  });
});
