/**
 * Every generated, checked-in file and the function that produces it. `rpowatch generate`
 * writes them; a test rebuilds them in memory and requires the checked-in bytes to match.
 */

import type { Command } from "commander";
import { buildAlertArtefacts } from "../../alerts/build.ts";
import { buildAlertsDoc } from "../../alerts/docs.ts";
import { stackConfig } from "../../config/schema.ts";
import { dashboardArtefacts } from "../../dashboards/artefacts.ts";
import { renderMetricsDoc } from "../../exporter/metrics-doc.ts";
import { siteConfig } from "../../replication/config.ts";
import { renderCliReference } from "./cli-doc.ts";
import { renderConfigReference } from "./config-doc.ts";

export interface Artefact {
  /** Path relative to the repository root. */
  path: string;
  content: string;
}

function configDoc(): string {
  return [
    "# Configuration reference",
    "",
    "Generated from the zod schemas by `rpowatch generate`; do not edit by hand. Validate a file with",
    "`rpowatch check-config FILE`: every error is printed with its path, line and reason (exit code 3).",
    "Durations are seconds or strings such as `500ms`, `30s`, `30m`, `6h`, `1d`; sizes are bytes or",
    "strings such as `512KiB`, `64MiB`, `10GB`. Secrets are never written inline: `{ env: NAME }` or",
    "`{ file: PATH }`.",
    "",
    "## Stack configuration (`rpowatch start --config FILE`, `rpowatch collect --config FILE`)",
    "",
    "Every field has a default: an empty file, or no file, runs the whole stack locally.",
    "",
    renderConfigReference(stackConfig),
    "",
    "## Engine site configuration (`rpowatch engine --config FILE`)",
    "",
    "A group's `direction` defaults to the site's `role`. Fields one direction needs are required by the",
    "directions of the site's groups: production groups need `nbd.listen` and `link.peer`, recovery groups",
    "`link.listen`. See docs/engine.md for an example pair of files and a site with groups of both directions.",
    "",
    renderConfigReference(siteConfig),
    "",
  ].join("\n");
}

/** `program` is the whole `rpowatch` command (cli/program.ts), whose definitions docs/cli.md documents. */
export function buildArtefacts(program: Command): Artefact[] {
  return [
    { path: "docs/cli.md", content: renderCliReference(program) },
    { path: "docs/config.md", content: configDoc() },
    { path: "docs/metrics.md", content: renderMetricsDoc() },
    { path: "docs/alerts.md", content: buildAlertsDoc() },
    ...[...buildAlertArtefacts()].map(([file, content]) => ({ path: `generated/alerts/${file}`, content })),
    ...dashboardArtefacts(),
  ];
}
