/**
 * How fast a dead site pages by default, on both alert paths, and the Prometheus timings that
 * promise assumes. Measured by bench/alerts.bench.ts (bench/results/alerts.json, as ratios to
 * PAGE_WITHIN_SECONDS); docs/alerts.md states the sum.
 */

/** A killed site's SourceDown trap and e-mail are out within this many seconds of its death. */
export const PAGE_WITHIN_SECONDS = 30;

/**
 * Scrape and rule-evaluation intervals of the Prometheus path. Worst case there: a scrape interval
 * until the exporter's `rpowatch_source_up 0` is scraped, an evaluation interval until the rule
 * sees it, SourceDown's `for` (10 s), the critical route's group_wait (alertmanager-config.ts),
 * then delivery: 5 + 5 + 10 + 5 s, under 30 s.
 */
export const PROMETHEUS_TIMINGS = { scrapeInterval: "5s", evaluationInterval: "5s" } as const;

/** group_wait of the critical route: how long Alertmanager gathers a page's companions before sending it. */
export const CRITICAL_GROUP_WAIT = "5s";
