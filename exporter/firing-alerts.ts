/**
 * Alerts firing now, as the exporter serves them (`GET /api/alerts`, `alerts` messages on `/live`).
 * Typed here, in Alertmanager's webhook alert shape, so the exporter shows the built-in evaluator's
 * alerts without depending on alerts/: cli/stack/monitoring.ts hands in the evaluator's firing().
 */
export interface FiringAlert {
  /** alertname, severity and the subject's labels (tenant, site, group…). */
  labels: Record<string, string>;
  /** summary and description, expanded for this subject. */
  annotations: Record<string, string>;
  /** RFC 3339 time the condition started. */
  startsAt: string;
  fingerprint: string;
}

export type FiringAlertsProvider = () => FiringAlert[];
