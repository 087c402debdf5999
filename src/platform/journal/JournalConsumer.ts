import type { Logger } from "../../log/createLogger.js";
import type { Journal, JournalCursor, JournalEntry } from "../ports/Journal.js";
import { DrainLoop } from "../work/DrainLoop.js";
import { budgetSpent, retryDelay, type RetryBudget } from "../work/retryDelay.js";
import { WakeTimer } from "../work/WakeTimer.js";

/** What reads the journal: the bridge relay, a plugin's hooks. */
export interface JournalHandler {
  /** Names its cursor and its dead letters (`journal:<name>`): 1–64 of a–z, 0–9 and "-"; keep it stable. */
  name: string;
  /**
   * Called once per entry in position order, until it resolves; again after a crash that came
   * before the cursor moved, so it must be idempotent. Throwing has the entry retried with
   * backoff; when the budget is spent the entry is dead-lettered and the next one follows.
   */
  handle(entry: JournalEntry): Promise<void>;
}

export interface JournalConsumerOptions {
  journal: Journal;
  budget: RetryBudget;
  logger: Logger;
  /** Entries read per store call. */
  batchSize?: number;
  /** Told after the cursor moved (pruning may have work). */
  onAdvanced?: () => void;
  now?: () => number;
  random?: () => number;
}

const NAME = /^[a-z0-9-]{1,64}$/;

/**
 * Feeds one handler the journal from its persisted cursor, on a `DrainLoop` (single flight;
 * a failing store read is retried with capped jittered backoff). A failing entry waits out a
 * capped, jittered backoff stored with the cursor (`notBefore`; kicks before then change
 * nothing), so the budget and the wait survive a restart; an entry that spent its budget moves
 * to the dead letters with the cursor in one batch and the next entry follows. Entries an
 * admin put back are handled first, under the same rules.
 */
export class JournalConsumer {
  private readonly loop: DrainLoop;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly batchSize: number;
  private readonly random: () => number;
  private readonly timer: WakeTimer;

  constructor(
    private readonly handler: JournalHandler,
    private readonly options: JournalConsumerOptions,
  ) {
    if (!NAME.test(handler.name)) throw new RangeError(`journal consumer name "${handler.name}" must be 1-64 of a-z, 0-9 and -`);
    this.log = options.logger.child({ component: "journal", consumer: handler.name });
    this.now = options.now ?? Date.now;
    this.batchSize = options.batchSize ?? 100;
    this.random = options.random ?? Math.random;
    this.timer = new WakeTimer(() => this.kick(), this.now);
    this.loop = new DrainLoop(() => this.drain(), {
      name: `journal:${handler.name}`,
      logger: options.logger,
      initialDelayMs: options.budget.initialDelayMs,
      maxDelayMs: options.budget.maxDelayMs,
    });
  }

  get name(): string {
    return this.handler.name;
  }

  /** Reads on (after a commit, at start, after a requeue). */
  kick(): void {
    this.loop.kick();
  }

  /** Resolves when no run is in progress. */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  async stop(): Promise<void> {
    this.timer.stop();
    await this.loop.stop();
  }

  private async drain(): Promise<void> {
    if (!(await this.drainRetries())) return;
    const { journal } = this.options;
    let cursor = await journal.cursor(this.name);
    for (;;) {
      const entries = await journal.read(cursor.position, this.batchSize);
      if (entries.length === 0) return;
      for (const entry of entries) {
        const next = await this.deliver(entry, cursor);
        if (!next) return;
        cursor = next;
      }
      this.options.onAdvanced?.();
    }
  }

  /** The cursor after `entry` (handled, or dead-lettered once its budget is spent); undefined while it has to wait. */
  private async deliver(entry: JournalEntry, cursor: JournalCursor): Promise<JournalCursor | undefined> {
    const { journal } = this.options;
    if (this.waiting(cursor.notBefore)) return undefined;
    const failure = await this.attempt(entry, cursor);
    if (failure === undefined) {
      const next = { position: entry.position, attempts: 0 };
      await journal.setCursor(this.name, next);
      return next;
    }
    if (failure.spent) {
      await journal.deadLetter(this.name, entry, failure, "cursor");
      return { position: entry.position, attempts: 0 };
    }
    await journal.setCursor(this.name, { position: cursor.position, attempts: failure.attempts, firstFailureAt: failure.firstFailureAt, notBefore: failure.notBefore });
    return undefined;
  }

  /** Handles the entries put back for this consumer; resolves false while one of them has to wait. */
  private async drainRetries(): Promise<boolean> {
    const { journal } = this.options;
    for (;;) {
      const retries = await journal.retries(this.name, this.batchSize);
      if (retries.length === 0) return true;
      for (const retry of retries) {
        if (this.waiting(retry.notBefore)) return false;
        const failure = await this.attempt(retry.entry, retry);
        if (failure === undefined) await journal.completeRetry(this.name, retry.entry.position);
        else if (failure.spent) await journal.deadLetter(this.name, retry.entry, failure, "retry");
        else {
          await journal.setRetry(this.name, { entry: retry.entry, attempts: failure.attempts, firstFailureAt: failure.firstFailureAt, notBefore: failure.notBefore });
          return false;
        }
      }
    }
  }

  /** Runs the handler once; on failure, what to record: the counts, and either the next try or that the budget is spent. */
  private async attempt(entry: JournalEntry, before: { attempts: number; firstFailureAt?: number }) {
    try {
      await this.handler.handle(entry);
      return undefined;
    } catch (error) {
      const { budget } = this.options;
      const at = this.now();
      const code = errorCode(error);
      const attempts = before.attempts + 1;
      const firstFailureAt = before.firstFailureAt ?? at;
      const where = { position: entry.position, eventType: entry.event.type, attempts, error: code };
      if (budgetSpent(budget, before.attempts, before.firstFailureAt, at)) {
        this.log.warn({ ...where, failingForMs: at - firstFailureAt }, "journal entry dead-lettered after its retry budget; the consumer goes on");
        return { spent: true as const, at, error: code, attempts, firstFailureAt };
      }
      const notBefore = at + retryDelay(budget, attempts, this.random);
      // First failure at warn, the rest at debug: a stuck consumer should not flood the log.
      this.log[attempts === 1 ? "warn" : "debug"]({ ...where, retryInMs: notBefore - at }, "journal entry failed; the consumer waits");
      this.timer.at(notBefore);
      return { spent: false as const, at, error: code, attempts, firstFailureAt, notBefore };
    }
  }

  /** True (and a wake-up armed) when a backoff has not ended yet. */
  private waiting(notBefore: number | undefined): boolean {
    if (notBefore === undefined || notBefore <= this.now()) return false;
    this.timer.at(notBefore);
    return true;
  }
}

/** A short, content-free code for the dead letter: the error's `code`, else its class name. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" || typeof code === "number") return String(code).slice(0, 64);
  return error instanceof Error ? error.name : "unknown";
}
