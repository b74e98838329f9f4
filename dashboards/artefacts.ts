/** The checked-in outputs of dashboards/, for `rpowatch generate` (paths relative to the repository root). */
import { buildFiles } from "./build.ts";
import { renderDashboardsDoc } from "./docs.ts";

export const GENERATED_DIR = "dashboards/generated";

export function dashboardArtefacts(): Array<{ path: string; content: string }> {
  return [
    { path: "docs/dashboards.md", content: renderDashboardsDoc() },
    ...buildFiles().map((f) => ({ path: `${GENERATED_DIR}/${f.path}`, content: f.content })),
  ];
}
