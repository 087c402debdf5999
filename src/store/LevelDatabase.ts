import type { AbstractBatchOperation, AbstractLevel, AbstractSublevel } from "abstract-level";

/** The root database every repository shares: string keys, JSON values. */
export type RootLevel = AbstractLevel<string | Buffer | Uint8Array, string, unknown>;
export type JsonSublevel<V> = AbstractSublevel<RootLevel, string | Buffer | Uint8Array, string, V>;

/** One operation of a cross-sublevel atomic batch. */
export type BatchOp = AbstractBatchOperation<RootLevel, string, unknown>;

export function jsonSublevel<V>(db: RootLevel, name: string): JsonSublevel<V> {
  return db.sublevel<string, V>(name, { valueEncoding: "json" }) as JsonSublevel<V>;
}

/** Serializes async critical sections (level has no multi-key transactions). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Highest sequence in use: the persisted counter or the last key of `sub`, whichever is larger. */
export async function lastSequence(meta: JsonSublevel<number>, key: string, sub?: JsonSublevel<unknown>): Promise<number> {
  const stored = (await meta.get(key)) ?? 0;
  if (!sub) return stored;
  for await (const k of sub.keys({ reverse: true, limit: 1 })) return Math.max(stored, Number.parseInt(k, 10));
  return stored;
}
