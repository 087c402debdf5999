import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { ConfigIssue } from "../config/ConfigError.js";
import { builtinPluginIds, builtinPluginUrl } from "./builtinPlugins.js";
import type { PluginDefinition } from "./pluginApi.js";

/** A configured plugin's module, imported; or why it cannot be used (as config issues). */
export type LoadedDefinition = { definition: PluginDefinition } | { issues: ConfigIssue[] };

/**
 * Imports the plugin of config entry `plugins[index]`: the built-in of its id, or its `module`
 * (an absolute path — relative ones were resolved against the config file — or a package name).
 * The module's default export must be a `definePlugin(...)` whose manifest id is the entry's id.
 */
export async function loadPluginDefinition(entry: { id: string; module?: string | undefined }, index: number): Promise<LoadedDefinition> {
  const where = `plugins[${index}]`;
  let specifier: string;
  if (entry.module === undefined) {
    const url = builtinPluginUrl(entry.id);
    if (!url) {
      const known = builtinPluginIds();
      return issue(`${where}.id`, `no built-in plugin "${entry.id}" (built-ins: ${known.length > 0 ? known.join(", ") : "none"}); set module for a third-party plugin`);
    }
    specifier = url.href;
  } else {
    specifier = isAbsolute(entry.module) ? pathToFileURL(entry.module).href : entry.module;
  }
  let loaded: unknown;
  try {
    loaded = await import(specifier);
  } catch (error) {
    const reason = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" ? "not found" : `cannot be loaded (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
    return issue(entry.module === undefined ? `${where}.id` : `${where}.module`, reason);
  }
  const definition = (loaded as { default?: unknown }).default;
  const problem = definitionProblem(definition);
  if (problem) return issue(entry.module === undefined ? `${where}.id` : `${where}.module`, problem);
  const id = (definition as PluginDefinition).manifest.id;
  if (id !== entry.id) return issue(`${where}.id`, `the module is plugin "${id}", not "${entry.id}"`);
  return { definition: definition as PluginDefinition };
}

function definitionProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "has no default export made with definePlugin(...)";
  const d = value as Partial<PluginDefinition>;
  if (typeof d.manifest !== "object" || d.manifest === null || typeof d.manifest.id !== "string") return "its default export has no manifest.id";
  if (!/^[a-z0-9-]{1,32}$/.test(d.manifest.id)) return `its manifest id "${d.manifest.id}" is not 1-32 of a-z, 0-9 and -`;
  if (typeof d.start !== "function") return "its default export has no start(ctx) function";
  if (typeof d.configSchema !== "object" || d.configSchema === null) return "its default export has no configSchema";
  return undefined;
}

function issue(path: string, problem: string): LoadedDefinition {
  return { issues: [{ path, problem }] };
}
