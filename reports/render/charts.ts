/**
 * Charts as SVG text, rendered server-side by Apache ECharts (no script or network needed to view
 * them): daily bars or lines over the report's days, one series per entity, an optional limit line.
 */
import * as echarts from "echarts";

/** Fits an A4 page at 96 dpi inside 12 mm margins (186 mm ≈ 700 px). */
export const CHART_WIDTH = 680;
export const CHART_HEIGHT = 260;

export interface ChartSeries {
  name: string;
  values: readonly (number | null)[];
}

export interface DailyChart {
  kind: "bar" | "line";
  days: readonly string[];
  series: readonly ChartSeries[];
  /** Axis label formatter for values. */
  format: (v: number) => string;
  /** A horizontal reference (target, limit). */
  reference?: { name: string; value: number };
}

export function dailyChartSvg(chart: DailyChart): string {
  const instance = echarts.init(null, null, { renderer: "svg", ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
  try {
    instance.setOption({
      animation: false,
      legend: { top: 0, type: "plain", textStyle: { fontSize: 10 } },
      grid: { left: 70, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: chart.days.map((d) => d.slice(8)), axisLabel: { fontSize: 9 } },
      yAxis: { type: "value", axisLabel: { fontSize: 9, formatter: chart.format } },
      series: [
        ...chart.series.map((s) => ({ name: s.name, type: chart.kind, data: s.values.map((v) => v ?? "-") })),
        ...(chart.reference
          ? [
              {
                name: chart.reference.name,
                type: "line",
                data: chart.days.map(() => chart.reference?.value),
                symbol: "none",
                lineStyle: { type: "dashed", color: "#c00" },
                itemStyle: { color: "#c00" },
              },
            ]
          : []),
      ],
    });
    return instance.renderToSVGString();
  } finally {
    instance.dispose();
  }
}
