import type { AppserviceTransaction } from "../../platform/ports/TransactionInbox.js";

/** What one device gets from a transaction's device data. */
export interface DeviceSyncData {
  toDevice: Record<string, unknown>[];
  /**
   * One-time key counts by algorithm, when the transaction reports this device (an algorithm
   * left out has zero keys); undefined when it does not (the machine's own count stands).
   */
  counts: Record<string, number> | undefined;
  /** Unused fallback key algorithms; undefined when the transaction did not say. */
  unusedFallbacks: string[] | undefined;
}

export interface SplitSyncData {
  /** Keyed by user ID, then device ID. */
  devices: Map<string, Map<string, DeviceSyncData>>;
  /** Device-list changes concern every machine, whoever they are addressed to. */
  changed: string[];
  left: string[];
}

const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null) : [];
const byUser = (value: unknown): Record<string, Record<string, unknown>> =>
  typeof value === "object" && value !== null ? (value as Record<string, Record<string, unknown>>) : {};
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/**
 * Sorts a transaction's device data (MSC2409 to-device messages, MSC3202 key counts, fallback
 * keys and device lists) by the user and device it is for, so each reaches that device's own
 * machine and no other.
 */
export function splitSyncData(body: AppserviceTransaction): SplitSyncData {
  const devices = new Map<string, Map<string, DeviceSyncData>>();
  const slot = (userId: string, deviceId: string): DeviceSyncData => {
    let user = devices.get(userId);
    if (!user) devices.set(userId, (user = new Map()));
    let data = user.get(deviceId);
    if (!data) user.set(deviceId, (data = { toDevice: [], counts: undefined, unusedFallbacks: undefined }));
    return data;
  };
  for (const event of records(body["de.sorunome.msc2409.to_device"])) {
    const { to_user_id: userId, to_device_id: deviceId, ...rest } = event;
    if (typeof userId !== "string" || typeof deviceId !== "string") continue;
    slot(userId, deviceId).toDevice.push(rest);
  }
  const counts = body["org.matrix.msc3202.device_one_time_keys_count"] ?? body["org.matrix.msc3202.device_one_time_key_counts"];
  for (const [userId, perDevice] of Object.entries(byUser(counts))) {
    for (const [deviceId, value] of Object.entries(byUser(perDevice))) {
      const numeric = Object.entries(value).filter((e): e is [string, number] => typeof e[1] === "number");
      slot(userId, deviceId).counts = Object.fromEntries(numeric);
    }
  }
  for (const [userId, perDevice] of Object.entries(byUser(body["org.matrix.msc3202.device_unused_fallback_key_types"]))) {
    for (const [deviceId, value] of Object.entries(perDevice)) {
      if (Array.isArray(value)) slot(userId, deviceId).unusedFallbacks = strings(value);
    }
  }
  const lists = byUser(body["org.matrix.msc3202.device_lists"]) as { changed?: unknown; left?: unknown };
  return { devices, changed: strings(lists.changed), left: strings(lists.left) };
}
