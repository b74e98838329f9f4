/**
 * Keeps an SNMP octet counter monotonic across wraps and restarts (docs/sources.md). The exported
 * total is `offset + raw`; whenever the raw value goes down, the offset absorbs it:
 * - raw ≥ last: normal growth. This includes an agent restart (sysUpTime going back) whose
 *   counters kept running, as Linux kernel counters do when only snmpd restarts.
 * - raw < last and sysUpTime went back: the device restarted and its counters began again from 0,
 *   so offset += last (traffic between the last poll and the restart is unknown and not counted).
 * - raw < last, uptime still rising, and the forward distance 2^64 − last + raw is under 2^63:
 *   a 64-bit wrap, offset += 2^64 (serial-number arithmetic, RFC 1982).
 * - otherwise a counter reset without restart (interface re-created, counters cleared): offset += last.
 */
const RANGE = 2n ** 64n;
const HALF = 2n ** 63n;

export type Discontinuity = "restart" | "wrap" | "reset";

export class MonotonicCounter {
  private offset = 0n;
  private last: { raw: bigint; uptime: number } | undefined;

  /** Folds one reading (raw Counter64, sysUpTime in ticks) and returns the monotonic total. */
  update(raw: bigint, uptime: number): { total: bigint; discontinuity?: Discontinuity } {
    const last = this.last;
    this.last = { raw, uptime };
    if (!last || raw >= last.raw) return { total: this.offset + raw };
    let discontinuity: Discontinuity;
    if (uptime < last.uptime) discontinuity = "restart";
    else if (RANGE - last.raw + raw < HALF) discontinuity = "wrap";
    else discontinuity = "reset";
    this.offset += discontinuity === "wrap" ? RANGE : last.raw;
    return { total: this.offset + raw, discontinuity };
  }
}
