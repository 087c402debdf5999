import { existsSync } from "node:fs";
import type { MirageConfig } from "../config/configSchema.js";
import type { Logger } from "../log/createLogger.js";
import { buildRegistration, readRegistration, writeRegistration, type Registration } from "../matrix/registration.js";

/** Reads the configured registration, creating one with fresh tokens when the file is absent. */
export async function ensureRegistration(config: MirageConfig, logger: Logger): Promise<Registration> {
  const file = config.appservice.registration;
  if (!existsSync(file)) {
    const reg = buildRegistration({ url: config.appservice.url, domain: config.homeserver.domain });
    await writeRegistration(file, reg, "# Made by `mirage start`. Give it to the homeserver and keep it secret.\n");
    logger.warn({ file }, "created a new registration file: add it to the homeserver's app_service_config_files and restart the homeserver");
  }
  return readRegistration(file);
}
