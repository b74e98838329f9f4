/**
 * A small JSON Schema checker for the keywords docs/report.schema.json uses (type, properties,
 * required, additionalProperties: false, items, enum, const, anyOf, $ref into $defs): enough to hold the
 * report's JSON to its published schema without a validator dependency. Returns the errors, each
 * with its JSON path.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  $defs?: Record<string, Schema>;
};

export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, root, value, "$", errors);
  return errors;
}

const typeOf = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;

function check(root: Schema, schema: Schema, value: unknown, path: string, errors: string[]): void {
  if (schema.$ref) {
    const name = schema.$ref.replace("#/$defs/", "");
    const target = root.$defs?.[name];
    if (target) check(root, target, value, path, errors);
    else errors.push(`${path}: unknown $ref ${schema.$ref}`);
    return;
  }
  if (schema.anyOf) {
    const fits = schema.anyOf.some((alt) => {
      const own: string[] = [];
      check(root, alt, value, path, own);
      return own.length === 0;
    });
    if (!fits) errors.push(`${path}: matches none of anyOf`);
  }
  if (schema.type) {
    const allowed = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    const ok = allowed.includes(actual) || (actual === "integer" && allowed.includes("number"));
    if (!ok) {
      errors.push(`${path}: ${actual} where ${allowed.join(" or ")} is expected`);
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ("const" in schema && schema.const !== value) errors.push(`${path}: ${JSON.stringify(value)} is not the constant`);
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${path}: missing ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) check(root, sub, v, `${path}.${key}`, errors);
      else if (schema.additionalProperties === false) errors.push(`${path}: ${key} is not in the schema`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, v] of value.entries()) check(root, schema.items, v, `${path}[${i}]`, errors);
  }
}
