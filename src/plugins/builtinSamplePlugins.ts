import type { SamplePlugin } from "../config/renderConfigSample.js";
import { builtinPluginIds, builtinPluginUrl } from "./builtinPlugins.js";
import type { PluginDefinition } from "./pluginApi.js";

/** Every built-in plugin's id, description and config schema, for config.sample.yaml. */
export async function builtinSamplePlugins(): Promise<SamplePlugin[]> {
  const out: SamplePlugin[] = [];
  for (const id of builtinPluginIds()) {
    const definition = ((await import(builtinPluginUrl(id)!.href)) as { default: PluginDefinition }).default;
    out.push({ id, description: definition.manifest.description, configSchema: definition.configSchema });
  }
  return out;
}
