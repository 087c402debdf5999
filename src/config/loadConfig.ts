import { readFile } from "node:fs/promises";
import path from "node:path";
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { parseDocument } from "yaml";
import { ConfigError, type ConfigIssue } from "./ConfigError.js";
import { ConfigSchema, type MirageConfig } from "./configSchema.js";
import { applyDefaults, configLeaves, envNameFor } from "./schemaWalk.js";
import { schemaIssues } from "./schemaIssues.js";

FormatRegistry.Set("http-url", (value) => {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
});

/** A validated configuration plus where it came from. */
export interface LoadedConfig {
  config: MirageConfig;
  /** The file read, or undefined when only defaults and the environment were used. */
  file: string | undefined;
}

export interface LoadConfigOptions {
  /** Path of the YAML file; when absent, defaults and the environment alone make the config. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads YAML, overlays `MIRAGE_*` environment variables, applies defaults and validates.
 * Throws a ConfigError listing every problem by dotted path. Relative paths in the result
 * are resolved against the config file's directory (the working directory without a file).
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const source = options.file ?? "configuration";
  let raw: unknown = {};
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : "cannot be read";
      throw new ConfigError(options.file, [{ path: "(file)", problem: reason }]);
    }
    raw = parseYaml(options.file, text);
  }
  const config = parseConfig(raw, env, source);
  const baseDir = options.file === undefined ? process.cwd() : path.dirname(path.resolve(options.file));
  return { config: resolvePaths(config, baseDir), file: options.file };
}

/** Validates an already-parsed config object (environment overlay and defaults included). */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}, source = "configuration"): MirageConfig {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(source, [{ path: "(root)", problem: "must be a mapping of sections" }]);
  }
  const withEnv = overlayEnv(raw as Record<string, unknown>, env);
  const value = applyDefaults(ConfigSchema, withEnv);
  const issues = schemaIssues(ConfigSchema, value);
  if (issues.length === 0) issues.push(...semanticIssues(value as MirageConfig));
  if (issues.length > 0) throw new ConfigError(source, issues);
  return value as MirageConfig;
}

function parseYaml(file: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: e.linePos ? `(line ${e.linePos[0].line})` : "(file)",
        problem: `invalid YAML: ${e.message.split("\n")[0]}`,
      })),
    );
  }
  return doc.toJS();
}

function overlayEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const leaf of configLeaves(ConfigSchema)) {
    const text = env[envNameFor(leaf.path)];
    if (text === undefined) continue;
    let node: Record<string, unknown> = out;
    for (const key of leaf.path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[leaf.path[leaf.path.length - 1]!] = coerceEnv(leaf.schema, text);
  }
  return out;
}

/** An environment variable's text as the value `schema` expects (numbers, booleans, lists). */
export function coerceEnv(schema: TSchema, text: string): unknown {
  switch (schema.type) {
    case "integer":
    case "number":
      return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
    case "boolean":
      return ["true", "1", "yes"].includes(text.toLowerCase())
        ? true
        : ["false", "0", "no"].includes(text.toLowerCase())
          ? false
          : text;
    case "array":
      if (text.trim().startsWith("[")) {
        try {
          return JSON.parse(text);
        } catch {
          return text;
        }
      }
      return text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    default:
      return text;
  }
}

function semanticIssues(config: MirageConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.encryption.enabled && config.encryption.passphrase === "") {
    issues.push({
      path: "encryption.passphrase",
      problem: "required when encryption.enabled is true (set MIRAGE_ENCRYPTION_PASSPHRASE)",
    });
  }
  if (config.encryption.deleteKeysAfterDecrypt) {
    issues.push({
      path: "encryption.deleteKeysAfterDecrypt",
      problem: "the Rust crypto engine offers no way to delete received Megolm sessions yet; set it to false",
    });
  }
  if (config.appservice.port === config.api.port && config.appservice.bindAddress === config.api.bindAddress) {
    issues.push({ path: "api.port", problem: "must differ from appservice.port on the same bind address" });
  }
  if (config.operations.metrics.requireToken && config.operations.token === "") {
    issues.push({ path: "operations.token", problem: "required when operations.metrics.requireToken is true (set MIRAGE_OPERATIONS_TOKEN)" });
  }
  const pluginIds = new Set<string>();
  config.plugins.forEach((plugin, i) => {
    if (pluginIds.has(plugin.id)) issues.push({ path: `plugins[${i}].id`, problem: `"${plugin.id}" is configured twice` });
    pluginIds.add(plugin.id);
  });
  const metricsPort = config.operations.metrics.port;
  if (metricsPort !== 0 && [config.api.port, config.appservice.port].includes(metricsPort)) {
    issues.push({ path: "operations.metrics.port", problem: "must differ from api.port and appservice.port" });
  }
  return issues;
}

function resolvePaths(config: MirageConfig, baseDir: string): MirageConfig {
  const resolve = (p: string) => (path.isAbsolute(p) ? p : path.resolve(baseDir, p));
  const avatar = config.bot.avatar;
  return {
    ...config,
    appservice: { ...config.appservice, registration: resolve(config.appservice.registration) },
    store: { ...config.store, path: resolve(config.store.path) },
    encryption: { ...config.encryption, storePath: resolve(config.encryption.storePath) },
    bot: { ...config.bot, avatar: avatar === "" || avatar.startsWith("mxc://") ? avatar : resolve(avatar) },
    // A module that is a path is relative to the config file; anything else is a package name.
    plugins: config.plugins.map((plugin) => (plugin.module !== undefined && isPath(plugin.module) ? { ...plugin, module: resolve(plugin.module) } : plugin)),
  };
}

/** `./x`, `../x`, `/x` (and Windows' `C:\\x`) name files; `name` and `@scope/name` name packages. */
function isPath(module: string): boolean {
  return module.startsWith("./") || module.startsWith("../") || path.isAbsolute(module);
}
