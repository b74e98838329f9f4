import { describe, expect, it } from "vitest";
import { systemClock } from "./clock.ts";

const firing = (atMs: number) => new Promise<number>((resolve) => systemClock.at(atMs, () => resolve(Date.now())));

describe("the system clock's timer", () => {
  it("fires at or after its time, and at once for a time already passed", async () => {
    const at = Date.now() + 30;
    expect(await firing(at)).toBeGreaterThanOrEqual(at);
    const past = Date.now() - 60_000;
    expect(await firing(past)).toBeGreaterThan(past);
  });

  it("a cancelled timer never fires, even once a later one has", async () => {
    let fired = false;
    const cancel = systemClock.at(Date.now() + 10, () => {
      fired = true;
    });
    cancel();
    await firing(Date.now() + 40);
    expect(fired).toBe(false);
  });
});
