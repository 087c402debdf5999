import type { PluginStore } from "./pluginApi.js";

/** A job a plugin asked to run later, kept across restarts. */
export interface PluginJob {
  id: string;
  /** Names the handler registered with `scheduler.handle(name, …)`. */
  name: string;
  payload: unknown;
  /** When it is due (ms since epoch). */
  at: number;
  /** Failed tries so far. */
  attempts?: number;
}

/**
 * A plugin's persisted jobs: each job and its due-time index entry are written and removed in
 * one batch, so the index never names a missing job.
 */
export interface PluginJobStore {
  put(job: PluginJob): Promise<void>;
  delete(id: string): Promise<void>;
  /** Jobs due at or before `time`, earliest first, at most `limit`. */
  due(time: number, limit: number): Promise<PluginJob[]>;
  /** The earliest job, whenever it is due. */
  next(): Promise<PluginJob | undefined>;
}

/** What the store keeps for one plugin: its key-value data and its jobs, in its own sublevel. */
export interface PluginStorage {
  data: PluginStore;
  jobs: PluginJobStore;
}

/** Every plugin's storage; a plugin's sublevel is removed only by `purge`. */
export interface PluginStorages {
  open(pluginId: string): PluginStorage;
  /** Deletes everything the plugin stored (data and jobs). */
  purge(pluginId: string): Promise<void>;
}
