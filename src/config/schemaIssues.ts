import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { ConfigIssue } from "./ConfigError.js";

/**
 * Every way `value` fails `schema`, one issue per dotted path (`api.port`, `plugins[0].config.domain`
 * with `prefix` "plugins[0].config"); a schema's `errorMessage` replaces the validator's wording.
 */
export function schemaIssues(schema: TSchema, value: unknown, prefix = ""): ConfigIssue[] {
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    const dotted = dottedPath(error.path, prefix);
    // Unions report once per branch; one line per path is enough.
    if (seen.has(dotted)) continue;
    seen.add(dotted);
    const custom = (error.schema as { errorMessage?: string }).errorMessage;
    const problem = error.message === "Unexpected property" ? "unknown key" : (custom ?? lowerFirst(error.message));
    issues.push({ path: dotted, problem });
  }
  return issues;
}

/** `/permissions/admins/0` → `permissions.admins[0]` (after `prefix`, when given). */
function dottedPath(pointer: string, prefix: string): string {
  const parts = pointer.split("/").filter(Boolean);
  if (parts.length === 0) return prefix === "" ? "(root)" : prefix;
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === "" ? part : `${acc}.${part}`), prefix);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
