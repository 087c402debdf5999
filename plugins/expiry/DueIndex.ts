import type { PluginContext } from "../../src/plugins/pluginApi.js";

/** What expires: a chat message, or a comment on a blog with a comment timer. */
export type DueItem = { messageId: string } | { commentId: string };

/** Fixed width, so key order is time order. */
const dueKey = (at: number, item: DueItem) => `due:${String(at).padStart(16, "0")}:${"commentId" in item ? item.commentId : item.messageId}`;
const WAKE_JOB = "expiry.wake";
/** Read per pass; a pass that found this many due runs again at once. */
const BATCH = 100;
/** After a failed expiry, how long until the next try (the entry stays due). */
const RETRY_MS = 5_000;

/**
 * Each message's or comment's due time in the plugin's store (`due:<time>:<id>`), and one sleeper: read
 * what is due, expire it, sleep until the next due time (mautrix's disappear loop, persisted). A
 * restart reads the index again, so what fell due while Mirage was down expires at start. One pass
 * at a time; the entry goes only after the expiry is done, so a crash repeats it (expiring is idempotent).
 */
export class DueIndex {
  private wake: { at: number; job: string } | undefined;
  private pass: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Pick<PluginContext<unknown>, "store" | "scheduler" | "logger" | "signal">,
    private readonly expire: (item: DueItem) => Promise<unknown>,
    private readonly now: () => number = Date.now,
  ) {
    ctx.scheduler.handle(WAKE_JOB, () => {
      this.wake = undefined;
      return this.run();
    });
  }

  /** Schedules `item` to expire at `at` (ms since epoch); at once when past. */
  async add(item: DueItem, at: number): Promise<void> {
    await this.ctx.store.put(dueKey(at, item), item);
    await this.sleepUntil(at);
  }

  /** Expires what is due now and sleeps until the next due time; resolves after this pass. */
  run(): Promise<void> {
    this.pass = this.pass.then(() => this.drain()).catch((error: unknown) => {
      this.ctx.logger.error({ err: error }, "expiry pass failed");
    });
    return this.pass;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.ctx.signal.aborted) return;
      const due = await this.ctx.store.list<DueItem>("due:", { limit: BATCH });
      let expired = 0;
      for (const { key, value } of due) {
        const at = Number(key.slice(4, 20));
        if (at > this.now()) {
          this.wake = undefined;
          await this.sleepUntil(at);
          return;
        }
        try {
          await this.expire(value);
          await this.ctx.store.delete(key);
          expired += 1;
        } catch (error) {
          this.ctx.logger.warn({ ...value, code: (error as { code?: string }).code }, "expiry failed; retrying");
          this.wake = undefined;
          await this.sleepUntil(this.now() + RETRY_MS);
          return;
        }
      }
      if (due.length < BATCH || expired === 0) return;
    }
  }

  /** Keeps one wake-up pending, at the earliest due time asked for. */
  private async sleepUntil(at: number): Promise<void> {
    if (this.wake && this.wake.at <= at) return;
    const previous = this.wake;
    this.wake = { at, job: "" };
    const current = this.wake;
    current.job = await this.ctx.scheduler.runAt(at, WAKE_JOB);
    if (previous?.job) await this.ctx.scheduler.cancel(previous.job);
  }
}
