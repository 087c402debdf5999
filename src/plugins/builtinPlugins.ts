import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Built-in plugins are the folders of `plugins/` at the repository root that hold an `index`
 * module: `plugins/<id>/index.ts` when Mirage runs from source (tsx, tests), `index.js` under
 * `dist/plugins/` when it runs compiled (`npm start`). Resolved from this file, so both layouts work.
 */
const EXTENSION = import.meta.url.endsWith(".ts") ? "ts" : "js";
const ROOT = new URL("../../plugins/", import.meta.url);

/** The module URL of the built-in plugin `id`, or undefined when there is none. */
export function builtinPluginUrl(id: string): URL | undefined {
  if (!/^[a-z0-9-]{1,32}$/.test(id)) return undefined;
  const url = new URL(`${id}/index.${EXTENSION}`, ROOT);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Ids of every built-in plugin, sorted. */
export function builtinPluginIds(): string[] {
  const dir = fileURLToPath(ROOT);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && builtinPluginUrl(entry.name) !== undefined)
    .map((entry) => entry.name)
    .sort();
}
