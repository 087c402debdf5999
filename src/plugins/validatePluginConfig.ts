import { CloneType, type TSchema } from "@sinclair/typebox";
import type { ConfigIssue } from "../config/ConfigError.js";
import { schemaIssues } from "../config/schemaIssues.js";
import { coerceEnv } from "../config/loadConfig.js";
import { applyDefaults, configLeaves, envNameFor, isObjectSchema } from "../config/schemaWalk.js";

/**
 * A plugin's `config`, defaults applied and checked against its schema the way the core config
 * is: issues by dotted path (`plugins[0].config.domain`), misspelt keys refused (objects without
 * an explicit `additionalProperties` are closed).
 */
export function validatePluginConfig(
  schema: TSchema,
  raw: unknown,
  where: { index: number; id: string; env?: NodeJS.ProcessEnv },
): { value: unknown } | { issues: ConfigIssue[] } {
  const closed = closeObjects(CloneType(schema));
  const withEnv = where.env ? overlayEnv(closed, raw ?? {}, where.id, where.env) : (raw ?? {});
  const value = applyDefaults(closed, withEnv);
  const issues = schemaIssues(closed, value, `plugins[${where.index}].config`);
  return issues.length > 0 ? { issues } : { value };
}

/** `MIRAGE_PLUGINS_<ID>_<KEY>` (e.g. `MIRAGE_PLUGINS_JITSI_APP_SECRET`) set a plugin's keys, like the core config's variables. */
function overlayEnv(schema: TSchema, raw: unknown, id: string, env: NodeJS.ProcessEnv): unknown {
  if (!isObjectSchema(schema) || typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const out = structuredClone(raw) as Record<string, unknown>;
  for (const leaf of configLeaves(schema)) {
    const text = env[envNameFor(["plugins", id, ...leaf.path])];
    if (text === undefined) continue;
    let node = out;
    for (const key of leaf.path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[leaf.path[leaf.path.length - 1]!] = coerceEnv(leaf.schema, text);
  }
  return out;
}

function closeObjects(schema: TSchema): TSchema {
  if (isObjectSchema(schema)) {
    schema.additionalProperties ??= false;
    for (const child of Object.values(schema.properties as Record<string, TSchema>)) closeObjects(child);
  }
  if (schema.type === "array" && schema.items) closeObjects(schema.items as TSchema);
  return schema;
}
