/**
 * Keeps the JSON Schema published in docs/push-api.md equal to the zod schema that validates
 * batches. The doc's prose is hand-written; only the block between the markers is generated.
 * Regenerate with `npx tsx collector/sources/push-doc.ts`; test/sources/push-doc.test.ts fails
 * when the checked-in schema differs. The comparison is on the parsed JSON, because the
 * formatter (biome) may re-wrap the block.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pushBatchJsonSchema } from "./push-batch.ts";

export const PUSH_DOC_PATH = fileURLToPath(new URL("../../docs/push-api.md", import.meta.url));
const BEGIN = "<!-- BEGIN GENERATED: push batch JSON Schema (collector/sources/push-doc.ts) -->";
const END = "<!-- END GENERATED -->";

function blockBounds(doc: string): { start: number; end: number } {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${PUSH_DOC_PATH}: generated-block markers missing`);
  return { start, end };
}

/** The doc text with its generated block replaced by the current schema. */
export function renderPushDoc(doc: string): string {
  const { start, end } = blockBounds(doc);
  const block = `${BEGIN}\n\`\`\`json\n${JSON.stringify(pushBatchJsonSchema(), null, 2)}\n\`\`\`\n`;
  return doc.slice(0, start) + block + doc.slice(end);
}

/** The schema the doc currently publishes, parsed from its generated block. */
export function publishedSchema(doc: string): unknown {
  const { start, end } = blockBounds(doc);
  const json = /```json\n([\s\S]*)\n```/.exec(doc.slice(start, end))?.[1];
  if (json === undefined) throw new Error(`${PUSH_DOC_PATH}: no JSON code block between the markers`);
  return JSON.parse(json);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(PUSH_DOC_PATH, renderPushDoc(readFileSync(PUSH_DOC_PATH, "utf8")));
}
