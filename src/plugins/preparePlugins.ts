import { ConfigError, type ConfigIssue } from "../config/ConfigError.js";
import type { MirageConfig } from "../config/configSchema.js";
import { loadPluginDefinition } from "./loadPluginDefinition.js";
import type { PluginDefinition } from "./pluginApi.js";
import { validatePluginConfig } from "./validatePluginConfig.js";

/** An enabled plugin, imported, with its validated config. */
export interface PreparedPlugin {
  definition: PluginDefinition;
  config: unknown;
}

/**
 * Imports every enabled plugin of `entries` and validates its config; throws one `ConfigError`
 * listing every problem (a module that cannot be loaded, a config that fails its schema).
 */
export async function preparePlugins(entries: MirageConfig["plugins"], env: NodeJS.ProcessEnv = process.env): Promise<PreparedPlugin[]> {
  const prepared: PreparedPlugin[] = [];
  const issues: ConfigIssue[] = [];
  for (const [index, entry] of entries.entries()) {
    if (entry.enabled === false) continue;
    const loaded = await loadPluginDefinition(entry, index);
    if ("issues" in loaded) {
      issues.push(...loaded.issues);
      continue;
    }
    const config = validatePluginConfig(loaded.definition.configSchema, entry.config ?? {}, { index, id: entry.id, env });
    if ("issues" in config) issues.push(...config.issues);
    else prepared.push({ definition: loaded.definition, config: config.value });
  }
  if (issues.length > 0) throw new ConfigError("configuration", issues);
  return prepared;
}
