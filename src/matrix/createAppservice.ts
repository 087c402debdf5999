import { Appservice, LogLevel, LogService, RustSdkAppserviceCryptoStorageProvider } from "@vector-im/matrix-bot-sdk";
import type { MirageConfig } from "../config/configSchema.js";
import type { Logger } from "../log/createLogger.js";
import type { KeyValueStore } from "../platform/ports/KeyValueStore.js";
import { AppserviceStorageAdapter } from "./AppserviceStorageAdapter.js";
import type { Registration } from "./registration.js";

/**
 * matrix-bot-sdk's Appservice, used for intents and clients only: Mirage serves the
 * appservice HTTP API itself (durable inbox, constant-time token check), so `begin()` is never called.
 */
export function createAppservice(config: MirageConfig, registration: Registration, kv: KeyValueStore, logger: Logger): Appservice {
  routeSdkLogs(logger.child({ component: "matrix-bot-sdk" }));
  return new Appservice({
    homeserverName: config.homeserver.domain,
    homeserverUrl: config.homeserver.url.replace(/\/+$/, ""),
    port: config.appservice.port,
    bindAddress: config.appservice.bindAddress,
    registration: {
      id: registration.id,
      as_token: registration.as_token,
      hs_token: registration.hs_token,
      sender_localpart: registration.sender_localpart,
      namespaces: registration.namespaces,
      rate_limited: registration.rate_limited,
      url: registration.url,
      "de.sorunome.msc2409.push_ephemeral": registration["de.sorunome.msc2409.push_ephemeral"],
    },
    storage: new AppserviceStorageAdapter(kv),
    // A crypto store gives every client a crypto device. Encryption is enabled per intent
    // explicitly: the SDK's automatic mode turns a failed setup into a process crash.
    // matrix-bot-sdk accepts only its own crypto storage class: small per-user JSON files
    // (device id, room settings) beside one durable machine store per device.
    ...(config.encryption.enabled
      ? { cryptoStorage: new RustSdkAppserviceCryptoStorageProvider(config.encryption.storePath, 0) }
      : {}),
  });
}

/**
 * The SDK's own logger, capped at warn: its debug and trace output would include request
 * bodies, and so message content.
 */
function routeSdkLogs(log: Logger): void {
  const write = (level: "error" | "warn" | "info" | "debug") => (module: string, ...messageOrObject: unknown[]) => {
    const err = messageOrObject.find((m) => m instanceof Error);
    const text = messageOrObject.filter((m) => typeof m === "string").join(" ");
    log[level]({ module, ...(err ? { err } : {}) }, text || "matrix-bot-sdk");
  };
  LogService.setLogger({
    error: write("error"),
    warn: write("warn"),
    info: write("info"),
    debug: write("debug"),
    trace: () => undefined,
  });
  LogService.setLevel(LogLevel.WARN);
  LogService.muteModule("Metrics");
}
