/**
 * The InfluxDB store's retention policies, one per tier (`m1h` holds the minute tier packed), and
 * the check of the durations an operator gave them (client tiers, where rpowatch makes none)
 * against the configured retention.
 */
import { parseDuration } from "../lib/units.ts";
import type { TierRetention } from "./tiers.ts";

export const POLICIES = { raw: "raw", minute: "m1", hour: "h1", packed: "m1h" } as const;
/** The tier whose retention each policy keeps. */
export const POLICY_TIERS: ReadonlyArray<[string, keyof TierRetention]> = [
  [POLICIES.raw, "raw"],
  [POLICIES.minute, "minute"],
  [POLICIES.hour, "hour"],
  [POLICIES.packed, "minute"],
];

/** A duration in InfluxQL, whole seconds. */
export const seconds = (s: number) => `${Math.round(s)}s`;

/** A tier policy's duration as InfluxDB lists it, against its tier's configured retention. */
interface PolicyCheck {
  policy: string;
  tier: keyof TierRetention;
  configured: number;
  /** The duration InfluxDB lists (null: no such policy). */
  actual: string | null;
  /** Seconds the policy keeps points longer than configured (negative: shorter; undefined: not known). */
  surplus: number | undefined;
  level: "ok" | "warn" | "error";
  /** What is wrong, for the log (empty when ok). */
  problem: string;
}

/**
 * Compares each tier policy InfluxDB lists with its tier's configured retention. A raw policy
 * shorter than configured is an error: the upkeep catches up as far back as history.retention.raw
 * and could find raw points gone before it rolled them up. A missing policy is an error too (every
 * write into it fails). Any other difference (a longer raw policy keeps points the tiers no longer
 * need; a tier kept shorter or longer than configured changes how far back reports reach) is a
 * warning.
 */
export function checkPolicies(
  retention: TierRetention,
  listed: ReadonlyArray<{ name: string; duration: string }>,
): PolicyCheck[] {
  return POLICY_TIERS.map(([policy, tier]) => {
    const configured = retention[tier];
    const actual = listed.find((p) => p.name === policy)?.duration ?? null;
    const kept = actual === null ? undefined : policySeconds(actual);
    const surplus = kept === undefined ? undefined : kept - configured;
    const setting = `history.retention.${tier} (${seconds(configured)})`;
    const check = (level: PolicyCheck["level"], problem: string) => ({
      policy,
      tier,
      configured,
      actual,
      surplus,
      level,
      problem,
    });
    if (actual === null) return check("error", `does not exist; make it with the duration of ${setting}`);
    if (surplus === undefined) return check("warn", `lists a duration rpowatch does not read (${actual}): not checked`);
    if (surplus === 0) return check("ok", "");
    const keeps = `keeps points ${kept === Number.POSITIVE_INFINITY ? "forever" : actual}`;
    if (surplus < 0 && policy === POLICIES.raw) {
      return check(
        "error",
        `${keeps}, less than ${setting}: the upkeep catching up after a stop or an outage may find raw points gone before it rolls them up; make the policy keep them that long, or lower the setting`,
      );
    }
    return check("warn", `${keeps}, ${surplus < 0 ? "less" : "more"} than ${setting}`);
  });
}

/** A duration as InfluxDB 1.x lists a policy's (Go's `168h0m0s`; `0s` keeps points forever), in seconds. */
function policySeconds(text: string): number | undefined {
  const parts = text.match(/\d+(?:\.\d+)?(?:ms|h|m|s)/g);
  if (!parts || parts.join("") !== text) return undefined;
  const total = parts.reduce((sum, part) => sum + parseDuration(part), 0);
  return total === 0 ? Number.POSITIVE_INFINITY : total;
}
