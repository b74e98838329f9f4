/**
 * The mail a scheduled report is sent in: the report's own HTML as the body, the PDF and the CSV
 * attached. Where the PDF could not be printed it is left out and the mail says why, in the text
 * and at the top of the HTML.
 */
import { basename } from "node:path";
import type { ReportKind } from "../kinds.ts";
import type { RenderedReport, WrittenReport } from "../render/write.ts";

export interface ReportAttachment {
  filename: string;
  /** The written file, read when the mail is sent. */
  path: string;
  contentType: string;
}

export interface ReportMail {
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
  attachments: readonly ReportAttachment[];
}

/** Sends a report mail; rejects when it could not be delivered. The e-mail channel is the port's implementation. */
export interface ReportMailer {
  send(mail: ReportMail): Promise<void>;
}

const TITLE: Record<ReportKind, string> = { capacity: "capacity report", health: "health report" };

const CONTENT_TYPE = { pdf: "application/pdf", csv: "text/csv; charset=utf-8" } as const;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function reportMail(
  kind: ReportKind,
  period: string,
  tenant: string | undefined,
  report: RenderedReport,
  written: WrittenReport,
  to: readonly string[],
): ReportMail {
  // The PDF first: it is the report to read; the CSV is its figures for a spreadsheet.
  const attachments = (["pdf", "csv"] as const).flatMap((ext) =>
    written.files
      .filter((path) => path.endsWith(`.${ext}`))
      .map((path) => ({ filename: basename(path), path, contentType: CONTENT_TYPE[ext] })),
  );
  const about = `${TITLE[kind]} ${period}${tenant === undefined ? "" : ` for tenant ${tenant}`}`;
  const noPdf =
    written.pdfError === undefined ? null : `The PDF is not attached: it could not be printed (${written.pdfError}).`;
  const text = [
    `The rpowatch ${about}, made on schedule.`,
    `Attached: ${attachments.map((a) => a.filename).join(", ")}.`,
    ...(noPdf ? [noPdf] : []),
    `Written on the rpowatch host: ${written.files.join(", ")}.`,
  ].join("\n\n");
  const notice = noPdf ? `<p style="border:1px solid #c60;padding:4px 8px;color:#c60">${escapeHtml(noPdf)}</p>` : "";
  return {
    to,
    subject: `rpowatch ${about}`,
    text: `${text}\n`,
    html: notice ? report.html.replace(/<body[^>]*>/, (tag) => `${tag}${notice}`) : report.html,
    attachments,
  };
}
