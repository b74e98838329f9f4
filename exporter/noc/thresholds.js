// Colour thresholds of the NOC page: the same values as the Grafana panels (dashboards/thresholds.ts);
// test/dashboards/noc-thresholds.test.ts keeps the two in step.
export const NOC_THRESHOLDS = {
  rpoRatio: { warn: 0.8, crit: 1.000001 },
  journalUtilization: { warn: 0.8, crit: 0.95 },
  linkUtilization: { warn: 0.7, crit: 0.9 },
  dataAge: { warn: 3, crit: 1800 },
  drillAge: { warn: 31 * 86400, crit: 365 * 86400 },
};
