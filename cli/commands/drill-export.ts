/**
 * Drill records as a file for auditors and reports: JSON (the records as stored), CSV (one row per
 * drill, RFC 4180 quoting) or a self-contained HTML table. Absent figures stay empty, never 0.
 */
import type { DrillRecord } from "../../replication/drills/drill-store.ts";

export const EXPORT_FORMATS = ["json", "csv", "html"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const iso = (t: number | undefined) => (t === undefined ? "" : new Date(t * 1000).toISOString());
const seconds = (s: number | undefined) => (s === undefined ? "" : s.toFixed(3));

/** Columns of the CSV and HTML forms, in order. */
const COLUMNS: [string, (d: DrillRecord) => string][] = [
  ["id", (d) => d.id],
  ["kind", (d) => d.kind],
  ["group", (d) => d.group],
  ["tenant", (d) => d.tenant],
  ["point_time", (d) => iso(d.point.timestamp)],
  ["point_seq", (d) => String(d.point.seq)],
  ["point_bookmark", (d) => d.point.bookmark ?? ""],
  ["started", (d) => iso(d.startedAt)],
  ["image_ready", (d) => iso(d.imageReadyAt)],
  ["rto_seconds", (d) => seconds(d.rtoSeconds)],
  ["rpo_at_start_seconds", (d) => seconds(d.rpoAtStartSeconds)],
  ["max_rpo_seconds", (d) => seconds(d.maxRpoSeconds)],
  ["ended", (d) => iso(d.endedAt)],
  ["result", (d) => d.result],
  ["operator", (d) => d.operator],
  ["note", (d) => d.note],
];

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function exportDrills(drills: readonly DrillRecord[], format: ExportFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(drills, null, 2)}\n`;
    case "csv":
      return [COLUMNS.map(([h]) => h), ...drills.map((d) => COLUMNS.map(([, f]) => f(d)))]
        .map((row) => `${row.map(csvField).join(",")}\r\n`)
        .join("");
    case "html":
      return [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>rpowatch DR drills</title>',
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}</style>",
        `</head><body><h1>DR drills</h1><p>${drills.length} drill(s)</p><table>`,
        `<tr>${COLUMNS.map(([h]) => `<th>${html(h)}</th>`).join("")}</tr>`,
        ...drills.map((d) => `<tr>${COLUMNS.map(([, f]) => `<td>${html(f(d))}</td>`).join("")}</tr>`),
        "</table></body></html>",
        "",
      ].join("\n");
  }
}
