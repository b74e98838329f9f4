/** Links and bandwidth: the engine's view of each replication link beside the SNMP-polled WAN interfaces. */
import { LINK_STATES } from "../../model/entities.ts";
import { metrics } from "../../model/metrics.ts";
import type { DashboardSpec } from "../factory.ts";
import { promql, type ScopeVariable, selector, series } from "../query.ts";
import { stateCodeExpr } from "../states.ts";
import { THRESHOLDS } from "../thresholds.ts";

/** The WAN panels' data comes only from an `snmp` source, which a stack need not have. */
const NO_SNMP_SOURCE =
  "No WAN interface data: no SNMP source polls this link's interfaces (collector.sources, kind snmp: docs/sources.md)";

const scope: readonly ScopeVariable[] = ["tenant", "site"];
const L = ["tenant", "link"] as const;

export const links: DashboardSpec = {
  uid: "rpowatch-links",
  title: "rpowatch / Links and bandwidth",
  description:
    "Throughput against limit, utilization, compression, RTT and reconnects; WAN interfaces over SNMP beside the engine.",
  scope,
  variableMetric: metrics.linkUp,
  rows: [
    {
      title: "Replication links",
      panels: [
        {
          kind: "timeseries",
          title: "Throughput against limit",
          metric: metrics.linkThroughput,
          description: "Wire throughput of each link and its effective limit (0 = unlimited).",
          queries: [series(metrics.linkThroughput, L), series(metrics.linkLimit, L, { legend: "limit" })],
          alerts: ["bandwidthSaturated"],
        },
        {
          kind: "timeseries",
          title: "Utilization",
          metric: metrics.linkUtilization,
          queries: [series(metrics.linkUtilization, L)],
          thresholds: THRESHOLDS.linkUtilization,
          alerts: ["bandwidthSaturated"],
        },
        {
          kind: "timeseries",
          title: "Raw vs wire bytes",
          metric: metrics.linkRawBytes,
          description: "Replicated data before compression (raw) and what went on the wire, per second.",
          unit: "Bps",
          queries: [
            series(metrics.linkRawBytes, L, { rate: true, legend: "raw" }),
            series(metrics.linkWireBytes, L, { rate: true, legend: "wire" }),
          ],
        },
        {
          kind: "timeseries",
          title: "Compression ratio",
          metric: metrics.linkCompressionRatio,
          // Raw/wire is ≥ 1, not a 0–1 fraction: shown as a plain factor, not a percentage.
          unit: "none",
          queries: [series(metrics.linkCompressionRatio, L)],
        },
        {
          kind: "timeseries",
          title: "Round-trip time",
          metric: metrics.linkRtt,
          queries: [series(metrics.linkRtt, L)],
        },
        {
          kind: "timeseries",
          title: "Reconnects and refused peers",
          metric: metrics.linkReconnects,
          description:
            "Link re-establishments after a loss, and connections refused because the peer failed authentication, per interval.",
          unit: "short",
          queries: [
            promql(`sum by (link) (increase(${selector(metrics.linkReconnects, scope)}[$__rate_interval]))`, {
              legend: "reconnects {{link}}",
            }),
            promql(`sum by (link) (increase(${selector(metrics.linkAuthFailures, scope)}[$__rate_interval]))`, {
              legend: "auth failures {{link}}",
            }),
          ],
          alerts: ["linkDown"],
        },
        {
          kind: "statetimeline",
          title: "Link state",
          metric: metrics.linkState,
          description: "State of each replication link over time: up, connecting or down.",
          unit: "short",
          queries: [
            promql(stateCodeExpr(metrics.linkState, LINK_STATES, scope, L), { legend: "{{tenant}} / {{link}}" }),
          ],
          states: LINK_STATES,
          thresholds: THRESHOLDS.neutral,
          alerts: ["linkDown"],
          width: 18,
        },
        {
          kind: "stat",
          title: "Links up",
          metric: metrics.linkUp,
          queries: [promql(selector(metrics.linkUp, scope), { legend: "{{link}}", instant: true })],
          thresholds: THRESHOLDS.upIsGood,
          alerts: ["linkDown"],
          height: 7,
        },
      ],
    },
    {
      title: "WAN interfaces (SNMP)",
      panels: [
        {
          kind: "timeseries",
          title: "WAN interface traffic beside the engine",
          noValue: NO_SNMP_SOURCE,
          metric: metrics.interfaceOutBytes,
          description:
            "Bytes per second on each SNMP-polled WAN interface (IF-MIB), with the engine's own wire throughput on the same link for comparison.",
          unit: "Bps",
          queries: [
            series(metrics.interfaceOutBytes, ["link", "interface"], { rate: true, legend: "transmit" }),
            series(metrics.interfaceInBytes, ["link", "interface"], { rate: true, legend: "receive" }),
            series(metrics.linkThroughput, ["link"], { legend: "engine" }),
          ],
        },
        {
          kind: "timeseries",
          title: "WAN interface utilization",
          noValue: NO_SNMP_SOURCE,
          metric: metrics.interfaceUtilization,
          queries: [series(metrics.interfaceUtilization, ["interface", "direction"])],
          thresholds: THRESHOLDS.linkUtilization,
        },
        {
          kind: "stat",
          title: "WAN interface speed",
          noValue: NO_SNMP_SOURCE,
          metric: metrics.interfaceSpeed,
          queries: [promql(selector(metrics.interfaceSpeed, scope), { legend: "{{interface}}", instant: true })],
          thresholds: THRESHOLDS.neutral,
          width: 24,
        },
      ],
    },
  ],
};
