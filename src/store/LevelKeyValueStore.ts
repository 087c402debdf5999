import type { KeyValueStore } from "../platform/ports/KeyValueStore.js";
import { jsonSublevel, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { SUBLEVELS } from "./keys.js";

export class LevelKeyValueStore implements KeyValueStore {
  private readonly sub: JsonSublevel<string>;

  constructor(db: RootLevel) {
    this.sub = jsonSublevel<string>(db, SUBLEVELS.kv);
  }

  get(key: string): Promise<string | undefined> {
    return this.sub.get(key);
  }

  put(key: string, value: string): Promise<void> {
    return this.sub.put(key, value);
  }

  delete(key: string): Promise<void> {
    return this.sub.del(key);
  }
}
