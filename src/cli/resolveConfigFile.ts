import { existsSync } from "node:fs";

/** `--config`, else `MIRAGE_CONFIG`, else `./config.yaml` when present, else none (defaults only). */
export function resolveConfigFile(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag !== undefined) return flag;
  if (env.MIRAGE_CONFIG) return env.MIRAGE_CONFIG;
  return existsSync("config.yaml") ? "config.yaml" : undefined;
}
