/**
 * One report made from history, by kind and period label: the period resolved, the history read
 * and the report rendered. `rpowatch report` and the report schedule both come through here, so
 * a scheduled report is the very report the command writes.
 */
import type { HistoryReader } from "../history/store.ts";
import { readCapacityReport } from "./capacity/build.ts";
import { renderCapacity } from "./capacity/render.ts";
import { readHealthReport } from "./health/build.ts";
import { renderHealth } from "./health/render.ts";
import type { ReportKind } from "./kinds.ts";
import { dayPeriod, monthPeriod } from "./period.ts";
import type { RenderedReport } from "./render/write.ts";

export interface MakeOptions {
  tenant?: string;
  /** Unix seconds the report is made at; a period still running ends here. */
  now: number;
  /** Progress lines (one per day read for a month). */
  say?: (line: string) => void;
}

/** `label` is a month ("2026-11") for capacity, a day ("2026-11-05") for health. */
export async function makeReport(
  kind: ReportKind,
  reader: HistoryReader,
  label: string,
  options: MakeOptions,
): Promise<RenderedReport> {
  const say = options.say ?? (() => {});
  const scope = { ...(options.tenant !== undefined && { tenant: options.tenant }), generatedAt: options.now };
  if (kind === "capacity") {
    const data = await readCapacityReport(reader, monthPeriod(label, options.now), scope, (done, total, day) =>
      say(`  day ${done}/${total} (${day})`),
    );
    return renderCapacity(data);
  }
  return renderHealth(await readHealthReport(reader, dayPeriod(label, options.now), scope));
}
