/**
 * Per-account budget for writes (messages, posts, comments, reactions, room changes): a token
 * bucket holding `burst` writes that refills at `perMinute`. Each account costs one small
 * entry while its bucket is below full; full buckets are forgotten, so memory follows the
 * number of recently active writers, not of accounts.
 */
export class WriteThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly options: { perMinute: number; burst: number },
    private readonly now: () => number = Date.now,
  ) {
    if (!(options.perMinute > 0) || !(options.burst >= 1)) throw new RangeError("perMinute must be > 0 and burst >= 1");
    this.perMs = options.perMinute / 60_000;
  }

  /** Takes one write from `account`'s budget: 0 when allowed, else whole seconds until one is. */
  take(account: string): number {
    const now = this.now();
    const bucket = this.refilled(account, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(account, bucket);
      if (this.buckets.size > 100_000) this.sweep(now);
      return 0;
    }
    this.buckets.set(account, bucket);
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
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
