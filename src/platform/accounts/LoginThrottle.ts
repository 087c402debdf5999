/**
 * Failed-login counter per account: after `limit` failures within `windowMs`, further
 * attempts on that account are refused until the window passes. Memory is bounded by
 * forgetting accounts whose window has expired.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 15 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the next attempt is allowed, or 0 when allowed now. */
  retryAfterSeconds(account: string): number {
    const recent = this.recent(account);
    if (recent.length < this.limit) return 0;
    return Math.ceil((recent[0]! + this.windowMs - this.now()) / 1000);
  }

  recordFailure(account: string): void {
    const recent = this.recent(account);
    recent.push(this.now());
    this.failures.set(account, recent);
    if (this.failures.size > 100_000) this.sweep();
  }

  reset(account: string): void {
    this.failures.delete(account);
  }

  private recent(account: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(account) ?? []).filter((t) => t > cutoff);
  }

  private sweep(): void {
    const cutoff = this.now() - this.windowMs;
    for (const [key, times] of this.failures) if (times.every((t) => t <= cutoff)) this.failures.delete(key);
  }
}
