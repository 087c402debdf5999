export interface LoginThrottleOptions {
  /** Failures on one account from one source (see `loginSource`) before that source must wait; default 5. */
  perSource?: number;
  /** Failures on one account from all sources together before every attempt on it is slowed down; default 100. */
  perAccount?: number;
  /** A counter is forgotten after this long without a failure; default 15 minutes. */
  windowMs?: number;
  /** First wait imposed on a source past its allowance; doubles with each further failure, up to `windowMs`. Default 1 minute. */
  sourceBackoffMs?: number;
  /** Slowdown past the account ceiling: starts here, doubles with each further `perAccount` failures. Default 500 ms. */
  accountDelayMs?: number;
  /** Longest slowdown; default 5 s. */
  maxAccountDelayMs?: number;
  /** Counters kept at most (per map); default 100,000. */
  maxEntries?: number;
  now?: () => number;
}

/** What to do with a log-in attempt before its password is checked. */
export type LoginDecision = { kind: "refuse"; retryAfterSeconds: number } | { kind: "proceed"; delayMs: number };

interface Counter {
  failures: number;
  last: number;
}

/**
 * Failed-log-in counters that slow guessing down without letting anyone lock the owner out.
 *
 * - Per (account, source): past `perSource` failures that source is refused (429 with
 *   Retry-After) for a wait that doubles with each further failure. Another source (the
 *   owner at home while someone hammers from elsewhere) is not affected.
 * - Per account, all sources together: past `perAccount` failures (a distributed guess
 *   from many addresses) every attempt on the account is answered only after a delay that
 *   grows with the failures, up to a few seconds. Refusing instead would hand a distributed
 *   attacker the very lockout this avoids; a delay costs the owner seconds once, while
 *   each guess costs the attacker a held connection, and the guess volume stays bounded by
 *   the per-source limits and the per-IP request limits times the addresses they own.
 *
 * Memory is bounded: counters are forgotten a window after their last failure, and each map
 * holds at most `maxEntries`, least recently failed dropped first (an attacker who floods the
 * table with new sources can make the oldest per-source counters be forgotten; the per-account
 * counters, fewer and refreshed by that same flood, keep the slowdown).
 */
export class LoginThrottle {
  private readonly perSource: number;
  private readonly perAccount: number;
  private readonly windowMs: number;
  private readonly sourceBackoffMs: number;
  private readonly accountDelayMs: number;
  private readonly maxAccountDelayMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly bySource = new Map<string, Counter>();
  private readonly byAccount = new Map<string, Counter>();

  constructor(options: LoginThrottleOptions = {}) {
    this.perSource = options.perSource ?? 5;
    this.perAccount = options.perAccount ?? 100;
    this.windowMs = options.windowMs ?? 15 * 60 * 1000;
    this.sourceBackoffMs = options.sourceBackoffMs ?? 60 * 1000;
    this.accountDelayMs = options.accountDelayMs ?? 500;
    this.maxAccountDelayMs = options.maxAccountDelayMs ?? 5000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Counters currently held (both maps), for tests and metrics. */
  get size(): number {
    return this.bySource.size + this.byAccount.size;
  }

  decide(account: string, source: string): LoginDecision {
    const now = this.now();
    const fromSource = this.live(this.bySource, sourceKey(account, source), now);
    if (fromSource && fromSource.failures >= this.perSource) {
      const wait = Math.min(this.windowMs, this.sourceBackoffMs * 2 ** (fromSource.failures - this.perSource));
      const until = fromSource.last + wait;
      if (until > now) return { kind: "refuse", retryAfterSeconds: Math.ceil((until - now) / 1000) };
    }
    const onAccount = this.live(this.byAccount, account, now);
    if (!onAccount || onAccount.failures < this.perAccount) return { kind: "proceed", delayMs: 0 };
    const steps = Math.floor((onAccount.failures - this.perAccount) / this.perAccount);
    return { kind: "proceed", delayMs: Math.min(this.maxAccountDelayMs, this.accountDelayMs * 2 ** Math.min(steps, 30)) };
  }

  recordFailure(account: string, source: string): void {
    const now = this.now();
    this.bump(this.bySource, sourceKey(account, source), now);
    this.bump(this.byAccount, account, now);
  }

  /** A right password from this source: its own counter starts over (the account-wide one does not). */
  recordSuccess(account: string, source: string): void {
    this.bySource.delete(sourceKey(account, source));
  }

  private live(map: Map<string, Counter>, key: string, now: number): Counter | undefined {
    const counter = map.get(key);
    if (counter && now - counter.last > this.windowMs) {
      map.delete(key);
      return undefined;
    }
    return counter;
  }

  private bump(map: Map<string, Counter>, key: string, now: number): void {
    const failures = (this.live(map, key, now)?.failures ?? 0) + 1;
    // Re-inserted so the map's order is least recently failed first.
    map.delete(key);
    for (const [oldest, counter] of map) {
      if (map.size < this.maxEntries && now - counter.last <= this.windowMs) break;
      map.delete(oldest);
    }
    map.set(key, { failures, last: now });
  }
}

const sourceKey = (account: string, source: string) => `${account}\x00${source}`;
