import type { Logger } from "../../log/createLogger.js";

export interface DrainLoopOptions {
  name: string;
  logger: Logger;
  /** Upper bound of the retry delay after failures. */
  maxDelayMs: number;
  /** First retry delay; doubles per consecutive failure. */
  initialDelayMs?: number;
  /** Told about every failed run (e.g. to re-check the homeserver now rather than later). */
  onFailure?: (error: unknown) => void;
}

/**
 * Runs `drain` whenever kicked, one run at a time; a kick during a run schedules one more.
 * A failing run is retried with capped exponential backoff until it succeeds or `stop()`.
 */
export class DrainLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly drain: () => Promise<void>,
    private readonly options: DrainLoopOptions,
  ) {}

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no run is in progress (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.idle();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.drain();
        if (this.failures > 0) this.options.logger.info({ loop: this.options.name }, "recovered");
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.options.onFailure?.(error);
        const initial = this.options.initialDelayMs ?? 500;
        const delay = Math.min(this.options.maxDelayMs, initial * 2 ** Math.min(this.failures - 1, 20));
        const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
        // First failure at warn, the rest at debug: an outage should not flood the log.
        const level = this.failures === 1 ? "warn" : "debug";
        this.options.logger[level]({ loop: this.options.name, err: error, retryInMs: jittered }, "will retry");
        if (!this.stopped) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.kick();
          }, jittered);
        }
        return;
      }
    } while (this.again && !this.stopped);
  }
}
