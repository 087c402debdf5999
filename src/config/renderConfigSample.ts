import type { TSchema } from "@sinclair/typebox";
import { stringify } from "yaml";
import { ConfigSchema } from "./configSchema.js";
import { envNameFor, isObjectSchema } from "./schemaWalk.js";

/** A built-in plugin as the sample documents it (its config schema, with defaults and descriptions). */
export interface SamplePlugin {
  id: string;
  description: string;
  configSchema: TSchema;
}

/**
 * config.sample.yaml, derived from the schema: every key with its description as a comment
 * and its default (or example) as the value; each built-in plugin as a commented-out `plugins`
 * entry showing its own config the same way. A unit test compares it to the committed file.
 */
export function renderConfigSample(builtins: readonly SamplePlugin[] = []): string {
  const header = [
    "# Mirage configuration (generated from the config schema: `npm run gen:config-sample`).",
    "# Every key is optional unless marked required; the value shown is the default.",
    "# Any key can also be set from the environment: homeserver.url is MIRAGE_HOMESERVER_URL,",
    "# api.publicUrl is MIRAGE_API_PUBLIC_URL, and so on. Relative paths are resolved",
    "# against the directory of this file.",
    "",
  ];
  const lines = renderObject(ConfigSchema, [], 0);
  const at = lines.indexOf("plugins: []");
  if (at >= 0) lines.splice(at, 0, ...builtinLines(builtins));
  return [...header, ...lines].join("\n") + "\n";
}

/** Each built-in as a commented-out entry, ready to uncomment. */
function builtinLines(builtins: readonly SamplePlugin[]): string[] {
  if (builtins.length === 0) return [];
  const lines = ["# Built-in plugins (uncomment an entry to run it):"];
  for (const plugin of builtins) {
    lines.push(`#   # ${plugin.id}: ${plugin.description}`, `#   - id: ${plugin.id}`, "#     enabled: true");
    const config = isObjectSchema(plugin.configSchema) ? renderObject(plugin.configSchema, ["plugins", plugin.id], 0) : [];
    if (config.length === 0) lines.push("#     config: {}");
    else lines.push("#     config:", ...config.filter((line) => line !== "").map((line) => `#       ${line}`));
  }
  return lines;
}

function renderObject(schema: TSchema, path: string[], depth: number): string[] {
  const lines: string[] = [];
  const indent = "  ".repeat(depth);
  const required = new Set<string>((schema.required as string[] | undefined) ?? []);
  const entries = Object.entries(schema.properties as Record<string, TSchema>);
  entries.forEach(([key, child], index) => {
    const childPath = [...path, key];
    if (depth === 0 && index > 0) lines.push("");
    for (const line of commentLines(child, childPath, required.has(key) && !isObjectSchema(child) && child.default === undefined)) {
      lines.push(`${indent}# ${line}`.trimEnd());
    }
    if (isObjectSchema(child)) {
      lines.push(`${indent}${key}:`);
      lines.push(...renderObject(child, childPath, depth + 1));
    } else {
      lines.push(`${indent}${key}: ${renderValue(child, indent)}`);
    }
  });
  return lines;
}

function commentLines(schema: TSchema, path: string[], required: boolean): string[] {
  const lines: string[] = [];
  if (typeof schema.description === "string") lines.push(...wrap(schema.description, 88));
  if (required) lines.push("Required.");
  if (schema.secret === true) lines.push(`Secret: prefer the environment variable ${envNameFor(path)}.`);
  return lines;
}

function renderValue(schema: TSchema, indent: string): string {
  const value = schema.default !== undefined ? schema.default : (schema.examples as unknown[] | undefined)?.[0];
  const text = stringify(value ?? null, { lineWidth: 0 }).trimEnd();
  if (!text.includes("\n")) return Array.isArray(value) && value.length === 0 ? "[]" : text;
  return "\n" + text.split("\n").map((l) => `${indent}  ${l}`).join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}
