import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { pushBatch, pushBatchJsonSchema } from "../../collector/sources/push-batch.ts";
import { PUSH_DOC_PATH, publishedSchema } from "../../collector/sources/push-doc.ts";

it("docs/push-api.md publishes the current batch schema (regenerate: npx tsx collector/sources/push-doc.ts)", () => {
  const published = publishedSchema(readFileSync(PUSH_DOC_PATH, "utf8"));
  expect(published).toEqual(pushBatchJsonSchema());
  expect(published).toMatchObject({ additionalProperties: false, required: ["timestamp"] });
});

it("the curl example in docs/push-api.md is a valid batch", () => {
  const doc = readFileSync(PUSH_DOC_PATH, "utf8");
  const example = /<<'JSON'\n([\s\S]*?)\nJSON\n/.exec(doc)?.[1];
  expect(example).toBeDefined();
  expect(pushBatch.safeParse(JSON.parse(example!)).error).toBeUndefined();
});
