export const DEFAULT_ENCRYPTION_CACHE_ENTRIES = 10_000;
/** A backstop only: an `m.room.encryption` event arriving in a transaction clears a negative at once. */
export const DEFAULT_UNENCRYPTED_TTL_MS = 5 * 60_000;

export interface RoomEncryptionCacheOptions {
  /** Most rooms remembered per answer (least recently used forgotten first). Default 10,000. */
  maxEntries?: number;
  /** How long "not encrypted" is believed without news from the homeserver. Default 5 minutes. */
  unencryptedTtlMs?: number;
  now?: () => number;
}

/**
 * Whether a room is encrypted, as last read from the homeserver, so the outbox does not ask before
 * every send. "Encrypted" is kept until evicted: encryption cannot be turned off in a room.
 * "Not encrypted" is kept for a bounded time, and dropped the moment the room's
 * `m.room.encryption` state event arrives in a transaction ({@link observeEvents}); an answer
 * read while such an event arrived is not remembered as "not encrypted".
 */
export class RoomEncryptionCache {
  private readonly encrypted = new Map<string, true>();
  private readonly unencrypted = new Map<string, number>();
  /** Bumped by every `m.room.encryption` seen, so a lookup started before it cannot store a stale "no". */
  private generation = 0;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: RoomEncryptionCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_ENCRYPTION_CACHE_ENTRIES);
    this.ttlMs = options.unencryptedTtlMs ?? DEFAULT_UNENCRYPTED_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** True or false when known, undefined when the homeserver must be asked. */
  get(roomId: string): boolean | undefined {
    if (this.encrypted.has(roomId)) {
      touch(this.encrypted, roomId, true);
      return true;
    }
    const until = this.unencrypted.get(roomId);
    if (until === undefined) return undefined;
    if (until <= this.now()) {
      this.unencrypted.delete(roomId);
      return undefined;
    }
    return false;
  }

  /**
   * Reads through the cache: `lookup` asks the homeserver when the answer is not known. A "no"
   * is remembered only if no encryption event arrived while it was being read.
   */
  async resolve(roomId: string, lookup: () => Promise<boolean>): Promise<boolean> {
    const known = this.get(roomId);
    if (known !== undefined) return known;
    const generation = this.generation;
    const answer = await lookup();
    if (answer) this.markEncrypted(roomId);
    else if (generation === this.generation && !this.encrypted.has(roomId)) {
      touch(this.unencrypted, roomId, this.now() + this.ttlMs);
      evict(this.unencrypted, this.maxEntries);
    }
    return answer;
  }

  markEncrypted(roomId: string): void {
    this.unencrypted.delete(roomId);
    touch(this.encrypted, roomId, true);
    evict(this.encrypted, this.maxEntries);
  }

  /** Called with each transaction's events as it arrives: an `m.room.encryption` state event turns its room encrypted here. */
  observeEvents(events: readonly unknown[]): void {
    for (const event of events) {
      const e = event as { type?: unknown; state_key?: unknown; room_id?: unknown } | null;
      if (e?.type !== "m.room.encryption" || e.state_key !== "" || typeof e.room_id !== "string") continue;
      this.generation++;
      this.markEncrypted(e.room_id);
    }
  }
}

/** Moves `key` to the most recently used end. */
function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function evict<V>(map: Map<string, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value!);
}
