/**
 * Per-account budget for writes (messages, posts, comments, reactions, room changes): a token
 * bucket holding `burst` writes that refills at `perMinute`. A write costs one, plus one for every
 * `charsPerWrite` characters of text it carries, since rendering and storing grow with its size.
 * Each account costs one small entry while its bucket is below full; full buckets are forgotten,
 * so memory follows the number of recently active writers, not of accounts.
 */
export class WriteThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  private readonly charsPerWrite: number;

  constructor(
    private readonly options: { perMinute: number; burst: number; charsPerWrite?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.charsPerWrite = options.charsPerWrite ?? Infinity;
    if (!(options.perMinute > 0) || !(options.burst >= 1) || !(this.charsPerWrite >= 1)) {
      throw new RangeError("perMinute must be > 0, burst >= 1 and charsPerWrite >= 1");
    }
    this.perMs = options.perMinute / 60_000;
  }

  /** What a write carrying `chars` characters of text costs, in writes. */
  cost(chars: number): number {
    return 1 + Math.floor(Math.max(0, chars) / this.charsPerWrite);
  }

  /**
   * Takes a write carrying `chars` characters of text from `account`'s budget: 0 when allowed,
   * else whole seconds until it would be. A write costlier than the whole burst is allowed on a
   * full bucket and leaves it in debt, so it is paid for at the sustained rate.
   */
  take(account: string, chars = 0): number {
    const cost = this.cost(chars);
    const needed = Math.min(cost, this.options.burst);
    const now = this.now();
    const bucket = this.refilled(account, now);
    this.buckets.set(account, bucket);
    if (bucket.tokens >= needed) {
      bucket.tokens -= cost;
      if (this.buckets.size > 100_000) this.sweep(now);
      return 0;
    }
    return Math.max(1, Math.ceil((needed - bucket.tokens) / this.perMs / 1000));
  }

  private refilled(account: string, now: number): { tokens: number; at: number } {
    const bucket = this.buckets.get(account);
    if (!bucket) return { tokens: this.options.burst, at: now };
    return { tokens: Math.min(this.options.burst, bucket.tokens + (now - bucket.at) * this.perMs), at: now };
  }

  private sweep(now: number): void {
    for (const [account, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.options.burst) this.buckets.delete(account);
    }
  }
}
