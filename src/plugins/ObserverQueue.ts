import type { Logger } from "../log/createLogger.js";

/** Events waiting for one plugin's observers; past this, new ones are dropped (and counted in the log). */
const MAX_QUEUED = 1000;

type Observer<E> = (event: E) => Promise<void> | void;

/**
 * One plugin's observers of one kind of Matrix event, fed without waiting: `push` only queues, a single worker
 * calls the observers in order, a throwing observer is logged and skipped. Bounded, so a slow
 * plugin never holds the event router or grows memory without limit.
 */
export class ObserverQueue<E extends { type: string }> {
  private readonly observers: Array<Observer<E>> = [];
  private readonly queue: E[] = [];
  private running: Promise<void> | undefined;
  private stopped = false;
  private dropped = 0;

  constructor(private readonly logger: Logger) {}

  add(observer: Observer<E>): void {
    if (this.stopped) throw new Error("the plugin is stopped");
    this.observers.push(observer);
  }

  push(event: E): void {
    if (this.stopped || this.observers.length === 0) return;
    if (this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ === 0) this.logger.warn({ max: MAX_QUEUED }, "plugin observers fall behind; Matrix events dropped for them");
      return;
    }
    this.queue.push(event);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Forgets what is queued and waits for the observer call in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let event = this.queue.shift(); event && !this.stopped; event = this.queue.shift()) {
      for (const observer of this.observers) {
        try {
          await observer(event);
        } catch (error) {
          this.logger.warn({ err: error, eventType: event.type }, "plugin Matrix event observer failed; skipped");
        }
      }
      if (this.dropped > 0 && this.queue.length === 0) {
        this.logger.warn({ dropped: this.dropped }, "plugin observers caught up");
        this.dropped = 0;
      }
    }
  }
}
