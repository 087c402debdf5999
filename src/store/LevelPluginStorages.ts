import type { PluginJob, PluginJobStore, PluginStorage, PluginStorages } from "../plugins/PluginStorage.js";
import type { PluginStore } from "../plugins/pluginApi.js";
import type { BatchOp, JsonSublevel, RootLevel } from "./LevelDatabase.js";
import { SUBLEVELS, timeKey } from "./keys.js";

type Nested = JsonSublevel<unknown>;

/** Plugins' storage on level: `plugins/<id>/` holds `data` (the plugin's keys), `jobs` (by id) and `due` (`<at>:<id>` → id). */
export class LevelPluginStorages implements PluginStorages {
  private readonly root: Nested;

  constructor(private readonly db: RootLevel) {
    this.root = db.sublevel<string, unknown>(SUBLEVELS.plugins, { valueEncoding: "json" }) as Nested;
  }

  open(pluginId: string): PluginStorage {
    const own = this.own(pluginId);
    const data = own.sublevel<string, unknown>("data", { valueEncoding: "json" }) as unknown as Nested;
    const jobs = own.sublevel<string, PluginJob>("jobs", { valueEncoding: "json" }) as unknown as JsonSublevel<PluginJob>;
    const due = own.sublevel<string, string>("due", { valueEncoding: "json" }) as unknown as JsonSublevel<string>;
    return { data: new LevelPluginData(data), jobs: new LevelPluginJobs(this.db, jobs, due) };
  }

  async purge(pluginId: string): Promise<void> {
    await this.own(pluginId).clear();
  }

  private own(pluginId: string): Nested {
    return this.root.sublevel<string, unknown>(pluginId, { valueEncoding: "json" }) as unknown as Nested;
  }
}

class LevelPluginData implements PluginStore {
  constructor(private readonly sub: Nested) {}

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.sub.get(key)) as T | undefined;
  }

  put(key: string, value: unknown): Promise<void> {
    if (value === undefined) throw new TypeError("a plugin store value must not be undefined");
    return this.sub.put(key, value);
  }

  delete(key: string): Promise<void> {
    return this.sub.del(key);
  }

  async list<T = unknown>(prefix: string, options: { limit?: number; after?: string } = {}): Promise<Array<{ key: string; value: T }>> {
    const range = options.after !== undefined && options.after >= prefix ? { gt: options.after } : { gte: prefix };
    const out: Array<{ key: string; value: T }> = [];
    for await (const [key, value] of this.sub.iterator({ ...range, lt: `${prefix}\uffff`, limit: options.limit ?? 1000 })) {
      out.push({ key, value: value as T });
    }
    return out;
  }
}

class LevelPluginJobs implements PluginJobStore {
  constructor(
    private readonly db: RootLevel,
    private readonly jobs: JsonSublevel<PluginJob>,
    private readonly dueIndex: JsonSublevel<string>,
  ) {}

  async put(job: PluginJob): Promise<void> {
    const old = await this.jobs.get(job.id);
    const ops: BatchOp[] = [];
    if (old) ops.push({ type: "del", sublevel: this.dueIndex, key: timeKey(old.at, old.id) } as BatchOp);
    ops.push({ type: "put", sublevel: this.jobs, key: job.id, value: job } as BatchOp);
    ops.push({ type: "put", sublevel: this.dueIndex, key: timeKey(job.at, job.id), value: job.id } as BatchOp);
    await this.db.batch(ops);
  }

  async delete(id: string): Promise<void> {
    const old = await this.jobs.get(id);
    if (!old) return;
    await this.db.batch([
      { type: "del", sublevel: this.jobs, key: id } as BatchOp,
      { type: "del", sublevel: this.dueIndex, key: timeKey(old.at, old.id) } as BatchOp,
    ]);
  }

  async due(time: number, limit: number): Promise<PluginJob[]> {
    return this.read({ lte: timeKey(Math.max(0, Math.floor(time)), "\uffff"), limit });
  }

  async next(): Promise<PluginJob | undefined> {
    return (await this.read({ limit: 1 }))[0];
  }

  private async read(range: { lte?: string; limit: number }): Promise<PluginJob[]> {
    const out: PluginJob[] = [];
    for await (const id of this.dueIndex.values(range)) {
      const job = await this.jobs.get(id);
      if (job) out.push(job);
    }
    return out;
  }
}
