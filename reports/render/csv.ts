/**
 * A report's figures as one CSV in long form, one figure per line: section, the entity's labels,
 * the figure's name and its value. Every number of the JSON appears, so a spreadsheet can pivot
 * any of them; a null stays an empty value, never a 0.
 */

const PLACE = ["level", "tenant", "site", "group", "volume", "link"] as const;
const HEADER = ["section", ...PLACE, "figure", "value"];

/** Sections of the report that hold rows of figures. */
export function figuresCsv(sections: Readonly<Record<string, readonly object[]>>, days: readonly string[]): string {
  const lines = [HEADER.join(",")];
  for (const [section, rows] of Object.entries(sections)) {
    for (const row of rows) {
      const place = row as Record<string, unknown>;
      const prefix = [section, ...PLACE.map((k) => (typeof place[k] === "string" ? (place[k] as string) : ""))];
      for (const [figure, value] of flatten(row, "", days)) lines.push([...prefix, figure, value].map(cell).join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}

function* flatten(value: unknown, path: string, days: readonly string[]): Generator<[string, string]> {
  if (value === null || value === undefined) {
    yield [path, ""];
  } else if (Array.isArray(value)) {
    // Arrays as long as the month are per-day figures: name each value by its day.
    const daily = value.length === days.length && value.every((v) => v === null || typeof v === "number");
    for (const [i, v] of value.entries()) yield* flatten(v, `${path}[${daily ? days[i] : i}]`, days);
  } else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (path === "" && (PLACE as readonly string[]).includes(k)) continue;
      yield* flatten(v, path ? `${path}.${k}` : k, days);
    }
  } else {
    yield [path, String(value)];
  }
}

function cell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
