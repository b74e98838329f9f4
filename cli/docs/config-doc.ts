/**
 * Renders a configuration schema as a Markdown reference table: one row per field with its
 * dotted path, type and constraints, default and description, straight from the zod schema.
 */
import { z } from "zod";

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (s.anyOf) return s.anyOf.map(typeOf).join(" or ");
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "any"}`;
  if (s.type === "object" && s.properties) return `{ ${Object.keys(s.properties).join(", ")} }`;
  return Array.isArray(s.type) ? s.type.join(" \\| ") : (s.type ?? "any");
}

function constraints(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minItems) parts.push(`at least ${s.minItems}`);
  return parts.join(", ");
}

function rows(s: JsonSchema, path: string, required: boolean, out: string[]): void {
  if (path) {
    const dflt = s.default === undefined ? (required ? "required" : "optional") : `\`${JSON.stringify(s.default)}\``;
    const desc = [s.description, constraints(s)].filter(Boolean).join("; ");
    out.push(`| \`${path}\` | ${typeOf(s)} | ${dflt} | ${desc.replaceAll("|", "\\|")} |`);
  }
  const objectSchema = s.type === "array" ? s.items : s;
  const prefix = s.type === "array" ? `${path}[]` : path;
  for (const [key, child] of Object.entries(objectSchema?.properties ?? {})) {
    rows(child, prefix ? `${prefix}.${key}` : key, objectSchema?.required?.includes(key) ?? false, out);
  }
}

export function renderConfigReference(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out = ["| field | type | default | description |", "|---|---|---|---|"];
  rows(json, "", true, out);
  return out.join("\n");
}
