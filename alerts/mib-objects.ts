/**
 * The varbinds every rpowatch notification carries, in order: typed (enumerated severity and
 * state, seconds as Unsigned32, each identifier its own DisplayString, DateAndTime for the event)
 * rather than one text blob. The MIB generator and the SNMP channel both read this list.
 */
export interface MibObject {
  name: string;
  id: number;
  syntax: string;
  units?: string;
  description: string;
}

export const ALERT_STATES = { firing: 1, resolved: 2 } as const;
export const SEVERITY_CODES = { critical: 1, warning: 2, info: 3 } as const;

const enumSyntax = (values: Record<string, number>) =>
  `INTEGER { ${Object.entries(values)
    .map(([k, v]) => `${k}(${v})`)
    .join(", ")} }`;

const TEXT = "DisplayString (SIZE (0..255))";

export const MIB_OBJECTS = [
  {
    name: "rpowatchAlertId",
    id: 1,
    syntax: "DisplayString (SIZE (0..64))",
    description: "Stable identifier of the alert instance; the raise and the clear carry the same value.",
  },
  {
    name: "rpowatchAlertState",
    id: 2,
    syntax: enumSyntax(ALERT_STATES),
    description: "firing when the condition is raised, resolved when it has cleared.",
  },
  { name: "rpowatchSeverity", id: 3, syntax: enumSyntax(SEVERITY_CODES), description: "Severity of the alert." },
  { name: "rpowatchTenant", id: 4, syntax: TEXT, description: "Tenant the alert belongs to; empty when none." },
  { name: "rpowatchSite", id: 5, syntax: TEXT, description: "Site of the alert's subject; empty when none." },
  {
    name: "rpowatchGroup",
    id: 6,
    syntax: TEXT,
    description: "Consistency group; empty when the alert is not about one.",
  },
  { name: "rpowatchVolume", id: 7, syntax: TEXT, description: "Volume; empty when the alert is not about one." },
  {
    name: "rpowatchRpoSeconds",
    id: 8,
    syntax: "Unsigned32",
    units: "seconds",
    description: "The alert's value when it is a time (RPO, data age, bookmark age), in whole seconds; 0 otherwise.",
  },
  {
    name: "rpowatchThresholdSeconds",
    id: 9,
    syntax: "Unsigned32",
    units: "seconds",
    description: "The threshold the time value was compared with, in whole seconds; 0 when the value is not a time.",
  },
  { name: "rpowatchValue", id: 10, syntax: TEXT, description: "The alert's value as text, in the unit of the alert." },
  { name: "rpowatchThreshold", id: 11, syntax: TEXT, description: "The alert's threshold as text." },
  {
    name: "rpowatchEventTime",
    id: 12,
    syntax: "DateAndTime",
    description: "When the alert started (firing) or ended (resolved), in UTC.",
  },
  {
    name: "rpowatchLink",
    id: 13,
    syntax: TEXT,
    description: "Replication link; empty when the alert is not about one.",
  },
  { name: "rpowatchSource", id: 14, syntax: TEXT, description: "Collector source of the data behind the alert." },
  { name: "rpowatchSummary", id: 15, syntax: TEXT, description: "One-line summary of the alert." },
  { name: "rpowatchRunbookUrl", id: 16, syntax: TEXT, description: "URL of the alert's runbook section." },
] as const satisfies readonly MibObject[];

export type MibObjectName = (typeof MIB_OBJECTS)[number]["name"];
