import type { TSchema } from "@sinclair/typebox";

/** A leaf key of the config schema with its dotted path. */
export interface ConfigLeaf {
  path: string[];
  schema: TSchema;
}

export function isObjectSchema(schema: TSchema): boolean {
  return schema.type === "object" && typeof schema.properties === "object";
}

/** Every non-object key of the schema, depth first, in declaration order. */
export function configLeaves(schema: TSchema, prefix: string[] = []): ConfigLeaf[] {
  if (!isObjectSchema(schema)) return [{ path: prefix, schema }];
  return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, child]) =>
    configLeaves(child, [...prefix, key]),
  );
}

/** `["api", "publicUrl"]` → `MIRAGE_API_PUBLIC_URL`. */
export function envNameFor(path: readonly string[]): string {
  const parts = path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase());
  return `MIRAGE_${parts.join("_")}`;
}

/** Fills absent keys with schema defaults, creating absent sections; never overwrites a value. */
export function applyDefaults(schema: TSchema, value: unknown): unknown {
  if (isObjectSchema(schema)) {
    const source = value === undefined ? {} : value;
    if (typeof source !== "object" || source === null || Array.isArray(source)) return source;
    const out: Record<string, unknown> = { ...(source as Record<string, unknown>) };
    for (const [key, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
      const filled = applyDefaults(child, out[key]);
      if (filled !== undefined) out[key] = filled;
    }
    return out;
  }
  if (value === undefined && schema.default !== undefined) return structuredClone(schema.default);
  return value;
}
