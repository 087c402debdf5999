import { openLevelStore, type Store } from "../store/openStore.js";
import type { Part } from "./Part.js";

export interface StorePart extends Part {
  store: Store;
}

/** The repositories, open from the moment the part is built; `stop()` closes them. */
export async function createStorePart(options: {
  /** Directory of the level database (`config.store.path`). */
  path: string;
  /** An already-open store used instead (tests: a memory store); it is closed on stop all the same. */
  store?: Store;
}): Promise<StorePart> {
  const store = options.store ?? (await openLevelStore(options.path));
  return {
    store,
    async start() {},
    async stop() {
      await store.close();
    },
  };
}
