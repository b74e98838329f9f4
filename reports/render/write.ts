/**
 * Writes a report's four files into a directory: JSON (the data), CSV (the same figures), HTML
 * (charts inline) and, printed from the HTML, PDF. The PDF comes last and alone may fail (no
 * Chromium): the other three are written first and the result says why the PDF is missing.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { printPdf } from "./pdf.ts";

export interface RenderedReport {
  /** File name without extension, e.g. "capacity-2026-11" or "capacity-2026-11-acme". */
  basename: string;
  json: string;
  csv: string;
  html: string;
}

export interface WrittenReport {
  files: string[];
  /** Why no PDF was written; absent when it was. */
  pdfError?: string;
}

export async function writeReport(
  dir: string,
  report: RenderedReport,
  progress: (line: string) => void = () => {},
): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [ext, content] of [
    ["json", report.json],
    ["csv", report.csv],
    ["html", report.html],
  ] as const) {
    const path = join(dir, `${report.basename}.${ext}`);
    await writeFile(path, content);
    files.push(path);
    progress(`wrote ${path}`);
  }
  try {
    const path = join(dir, `${report.basename}.pdf`);
    progress("printing the PDF with headless Chromium");
    await writeFile(path, await printPdf(report.html));
    files.push(path);
    progress(`wrote ${path}`);
    return { files };
  } catch (err) {
    return { files, pdfError: (err as Error).message };
  }
}
