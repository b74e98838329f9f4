/** Every rpowatch dashboard, in the order they appear in Grafana's folder and the docs. */
import { groupDetail } from "./boards/group-detail.ts";
import { journal } from "./boards/journal.ts";
import { links } from "./boards/links.ts";
import { nocOverview } from "./boards/noc-overview.ts";
import { recovery } from "./boards/recovery.ts";
import { selfHealth } from "./boards/self-health.ts";
import type { DashboardSpec } from "./factory.ts";

export const DASHBOARDS: readonly DashboardSpec[] = [nocOverview, groupDetail, links, journal, recovery, selfHealth];
