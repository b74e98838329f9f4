import { expect, it } from "vitest";
import { requireBinary } from "./binaries.ts";
import { spawnService, waitFor } from "./process.ts";

it("names the Debian package of a missing binary", () => {
  expect(() => requireBinary("/usr/bin/no-such-daemon", "no-such-pkg")).toThrow(
    "no-such-daemon not found: install the Debian package no-such-pkg (apt-get install no-such-pkg)",
  );
});

it("reports a service that dies before it is ready with its output tail", async () => {
  const proc = spawnService({
    name: "dying",
    command: "/bin/sh",
    args: ["-c", "echo 'bad config line 3' >&2; exit 3"],
  });
  await expect(waitFor(() => false, { timeoutMs: 5000, what: "readiness", process: proc })).rejects.toThrow(
    /dying ended \(exit code 3\) while waiting for readiness[\s\S]*bad config line 3/,
  );
});

it("times out with the last probe error", async () => {
  await expect(
    waitFor(
      () => {
        throw new Error("connection refused");
      },
      { timeoutMs: 200, what: "port 1", intervalMs: 50 },
    ),
  ).rejects.toThrow(/timed out after 200 ms waiting for port 1\nlast error: connection refused/);
});

it("kills a service that ignores its stop signal after the grace period", async () => {
  const proc = spawnService({
    name: "stubborn",
    command: "/bin/sh",
    args: ["-c", "trap '' TERM; echo up; while :; do sleep 0.1; done"],
    graceMs: 300,
  });
  await waitFor(() => proc.output().includes("up"), { timeoutMs: 5000, what: "start", process: proc });
  await proc.stop();
  expect(proc.exitStatus()).toBe("signal SIGKILL");
});
