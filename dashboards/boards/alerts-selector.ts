/** rpowatch alerts among Prometheus's ALERTS series: names from the alert catalogue. */
import { ALERT_LIST } from "../../model/alerts.ts";

const names = ALERT_LIST.map((a) => a.name).join("|");

/** Firing and pending (condition true, `for` not yet elapsed): the table shows both, by `alertstate`. */
export const ALERTS_ANY_STATE = `ALERTS{alertname=~"${names}"}`;
export const ALERTS_FIRING = `ALERTS{alertstate="firing",alertname=~"${names}"}`;
