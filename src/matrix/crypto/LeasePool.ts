export interface LeasePoolOptions<V> {
  /** Opens the resource for `key`; called when a lease needs it and it is not open. */
  open(key: string): Promise<V>;
  /** Closes it; called once no lease holds it, after `idleMs` unused or to make room. */
  close(key: string, value: V): Promise<void>;
  idleMs: number;
  /** Most resources open at once, counting ones being opened or closed. */
  maxOpen: number;
  onCloseError?(key: string, error: unknown): void;
}

interface Entry<V> {
  value: Promise<V>;
  users: number;
  timer?: NodeJS.Timeout;
  closing?: Promise<void>;
}

/**
 * Resources by key, opened on first use and closed when idle. At most `maxOpen` are open:
 * opening one more first closes the least recently used idle one, or waits for a lease to end.
 */
export class LeasePool<V> {
  /** In least-recently-used order: a lease moves its entry to the end. */
  private readonly entries = new Map<string, Entry<V>>();
  private waiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly options: LeasePoolOptions<V>) {}

  /** Runs `fn` with the open resource for `key`; it stays open (not closable) until `fn` settles. */
  async use<T>(key: string, fn: (value: V) => Promise<T>): Promise<T> {
    for (;;) {
      if (this.stopped) throw new Error("the pool is closed");
      const entry = this.entries.get(key);
      if (entry?.closing) {
        await entry.closing;
        continue;
      }
      if (entry) return this.lease(key, entry, fn);
      if (this.entries.size >= this.options.maxOpen) {
        const victim = [...this.entries].find(([, e]) => e.users === 0 && !e.closing);
        if (victim) await this.evict(victim[0], victim[1]);
        else await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      const opened: Entry<V> = { value: this.options.open(key), users: 0 };
      this.entries.set(key, opened);
      opened.value.catch(() => {
        if (this.entries.get(key) === opened) this.entries.delete(key);
        this.wake();
      });
    }
  }

  /** The resource for `key` when it is open and usable now, without opening it. */
  async ifOpen<T>(key: string, fn: (value: V) => Promise<T>): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (!entry || entry.closing) return undefined;
    return this.lease(key, entry, fn);
  }

  /** Keys of the resources open now. */
  openKeys(): string[] {
    return [...this.entries].filter(([, e]) => !e.closing).map(([key]) => key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Closes everything once its leases end; later leases fail. */
  async closeAll(): Promise<void> {
    this.stopped = true;
    this.wake();
    await Promise.all(
      [...this.entries].map(async ([key, entry]) => {
        while (entry.users > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
        await this.evict(key, entry);
      }),
    );
  }

  private async lease<T>(key: string, entry: Entry<V>, fn: (value: V) => Promise<T>): Promise<T> {
    entry.users += 1;
    clearTimeout(entry.timer);
    this.entries.delete(key);
    this.entries.set(key, entry);
    try {
      return await fn(await entry.value);
    } finally {
      entry.users -= 1;
      if (entry.users === 0 && !this.stopped && this.entries.get(key) === entry) {
        entry.timer = setTimeout(() => void this.evict(key, entry), this.options.idleMs);
        entry.timer.unref();
      }
      this.wake();
    }
  }

  private evict(key: string, entry: Entry<V>): Promise<void> {
    if (entry.closing) return entry.closing;
    if (entry.users > 0) return Promise.resolve();
    clearTimeout(entry.timer);
    entry.closing = (async () => {
      try {
        const value = await entry.value.catch(() => undefined);
        if (value !== undefined) await this.options.close(key, value);
      } catch (error) {
        this.options.onCloseError?.(key, error);
      } finally {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        this.wake();
      }
    })();
    return entry.closing;
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const resolve of waiting) resolve();
  }
}
