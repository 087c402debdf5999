import type { PlatformRef } from "../ports/IdMapping.js";
import type { WriteOptions } from "./DomainEvent.js";

/** The options with the created object named as what the imported Matrix event stands for. */
export function withRef(options: WriteOptions, ref: PlatformRef): WriteOptions {
  return options.origin ? { origin: { ...options.origin, ref } } : options;
}
