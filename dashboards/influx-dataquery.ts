/**
 * InfluxDB target for panels. The Foundation SDK ships no InfluxDB query module (grafana-foundation-sdk
 * #447), so this is the documented custom-Dataquery route: a builder producing the JSON Grafana's
 * InfluxDB (InfluxQL) datasource stores for a raw query.
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type * as common from "@grafana/grafana-foundation-sdk/common";

export interface InfluxDataquery extends cog.Dataquery {
  refId: string;
  datasource: common.DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: "time_series" | "table";
  alias?: string;
}

export class InfluxDataqueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: Omit<InfluxDataquery, "_implementsDataqueryVariant">;

  constructor(datasource: common.DataSourceRef, query: string) {
    this.internal = { refId: "A", datasource, query, rawQuery: true, resultFormat: "time_series" };
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }

  build(): InfluxDataquery {
    return { ...this.internal, _implementsDataqueryVariant() {} };
  }
}
