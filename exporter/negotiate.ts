/**
 * Chooses the exposition format from the Accept header: OpenMetrics when the client asks for
 * `application/openmetrics-text` with a higher (or equal) quality than the plain text format,
 * as Prometheus does when it prefers OpenMetrics; the classic text format otherwise.
 */
import type { ExpositionFormat } from "./exposition.ts";

export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return "prometheus";
  let openMetrics = -1;
  let text = -1;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().split(";");
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith("q="))
        ?.slice(2) ?? 1,
    );
    const quality = Number.isFinite(q) ? q : 0;
    const mediaType = type.trim().toLowerCase();
    if (mediaType === "application/openmetrics-text") openMetrics = Math.max(openMetrics, quality);
    else if (mediaType === "text/plain" || mediaType === "*/*" || mediaType === "text/*")
      text = Math.max(text, quality);
  }
  return openMetrics > 0 && openMetrics >= text ? "openmetrics" : "prometheus";
}
