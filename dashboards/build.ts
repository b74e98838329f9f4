/**
 * Everything `rpowatch dashboards build` writes, as (path, content) pairs computed in memory so a
 * test can compare them byte for byte with a fresh build or with the checked-in copies.
 */
import { DASHBOARDS } from "./catalog.ts";
import type { DatasourceKind } from "./datasource.ts";
import { buildDashboard, hasInfluxVariant } from "./factory.ts";
import {
  DEFAULT_PROVISIONING,
  dashboardProviderYaml,
  datasourcesYaml,
  type ProvisioningOptions,
} from "./provisioning.ts";

export interface BuiltFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
}

/** Stable formatting: two-space JSON, trailing newline; the SDK emits keys in a fixed order. */
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export function dashboardFileName(uid: string): string {
  return `dashboards/${uid}.json`;
}

export function buildDashboards(): Array<{
  kind: DatasourceKind;
  uid: string;
  json: ReturnType<typeof buildDashboard>;
}> {
  return DASHBOARDS.flatMap((spec) => {
    const kinds: DatasourceKind[] = hasInfluxVariant(spec) ? ["prometheus", "influxdb"] : ["prometheus"];
    return kinds.map((kind) => {
      const dash = buildDashboard(spec, kind);
      return { kind, uid: dash.uid ?? spec.uid, json: dash };
    });
  });
}

export function buildFiles(options: ProvisioningOptions = DEFAULT_PROVISIONING): BuiltFile[] {
  return [
    ...buildDashboards().map((d) => ({ path: dashboardFileName(d.uid), content: json(d.json) })),
    { path: "provisioning/datasources/rpowatch.yaml", content: datasourcesYaml(options) },
    { path: "provisioning/dashboards/rpowatch.yaml", content: dashboardProviderYaml(options) },
  ];
}
