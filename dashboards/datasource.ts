/** How panels and variables reach their data: always through the `datasource` dashboard variable. */
export type DatasourceKind = "prometheus" | "influxdb";

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax, not a JS template
export const DATASOURCE_UID = "${datasource}";

export const datasourceRef = (kind: DatasourceKind) => ({ type: kind, uid: DATASOURCE_UID });
