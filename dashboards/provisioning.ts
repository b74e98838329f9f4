/**
 * Grafana provisioning files: the Prometheus and InfluxDB datasources and a file provider that loads
 * the dashboard JSON from the directory they are dropped into (Grafana's provisioning/ layout).
 */
import { stringify } from "yaml";

export interface ProvisioningOptions {
  prometheusUrl: string;
  influxUrl: string;
  influxDatabase: string;
  /** Where Grafana will find the dashboard JSON files. */
  dashboardsPath: string;
}

export const DEFAULT_PROVISIONING: ProvisioningOptions = {
  prometheusUrl: "http://127.0.0.1:9090",
  influxUrl: "http://127.0.0.1:8086",
  influxDatabase: "rpowatch",
  dashboardsPath: "/var/lib/grafana/dashboards/rpowatch",
};

export function datasourcesYaml(o: ProvisioningOptions): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: "rpowatch Prometheus",
        uid: "rpowatch-prometheus",
        type: "prometheus",
        access: "proxy",
        url: o.prometheusUrl,
        isDefault: true,
        // Grafana's $__rate_interval needs the real scrape interval to stay ≥ 4 scrapes.
        jsonData: { timeInterval: "15s" },
      },
      {
        name: "rpowatch InfluxDB",
        uid: "rpowatch-influxdb",
        type: "influxdb",
        access: "proxy",
        url: o.influxUrl,
        jsonData: { dbName: o.influxDatabase, httpMode: "GET" },
      },
    ],
  });
}

export function dashboardProviderYaml(o: ProvisioningOptions): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: "rpowatch",
        folder: "rpowatch",
        type: "file",
        disableDeletion: false,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: o.dashboardsPath },
      },
    ],
  });
}
