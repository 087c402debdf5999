import type { Logger } from "../../log/createLogger.js";
import type { Journal } from "../ports/Journal.js";
import { DrainLoop } from "../work/DrainLoop.js";
import type { RetryBudget } from "../work/retryDelay.js";
import { JournalConsumer, type JournalHandler } from "./JournalConsumer.js";

export interface JournalConsumersOptions {
  journal: Journal;
  /** Every consumer of this run, known at start: only their cursors hold entries back from pruning. */
  handlers: readonly JournalHandler[];
  budget: RetryBudget;
  logger: Logger;
  /** Entries deleted per pruning run (each run is one range read and one batch). */
  pruneBatch?: number;
  /** Pruning also runs on this timer, besides after a consumer advanced. */
  pruneIntervalMs?: number;
  now?: () => number;
  random?: () => number;
}

/**
 * The journal's consumers and its pruning. Each consumer is kicked after every commit (in
 * process) and at start (catching up after a crash). Entries every registered consumer has
 * passed are pruned in bounded runs; a consumer no longer registered (removed from config)
 * does not count, so it cannot pin the journal. With no consumer, entries are pruned once
 * committed (the in-memory bus has already woken long-polls).
 */
export class JournalConsumers {
  private readonly list: JournalConsumer[];
  private started = false;
  private readonly pruneLoop: DrainLoop;
  private readonly pruneBatch: number;
  private unsubscribe: (() => void) | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: JournalConsumersOptions) {
    this.list = [];
    for (const handler of options.handlers) this.add(handler);
    this.pruneBatch = options.pruneBatch ?? 500;
    this.pruneLoop = new DrainLoop(() => this.prune(), { name: "journal-prune", logger: options.logger, maxDelayMs: options.budget.maxDelayMs });
  }

  get consumers(): readonly JournalConsumer[] {
    return this.list;
  }

  /** Registers another consumer (parts built after the platform, such as the bridge); only before start. */
  add(handler: JournalHandler): void {
    if (this.started) throw new Error(`journal consumer "${handler.name}" added after start`);
    if (this.list.some((consumer) => consumer.name === handler.name)) throw new RangeError(`journal consumer "${handler.name}" is registered twice`);
    const { options } = this;
    this.list.push(
      new JournalConsumer(handler, {
        journal: options.journal,
        budget: options.budget,
        logger: options.logger,
        onAdvanced: () => this.pruneLoop.kick(),
        ...(options.now ? { now: options.now } : {}),
        ...(options.random ? { random: options.random } : {}),
      }),
    );
  }

  start(): void {
    this.started = true;
    // With no consumer nothing advances; pruning follows the commits themselves.
    this.unsubscribe ??= this.options.journal.onCommit(() => (this.consumers.length === 0 ? this.pruneLoop.kick() : this.kick()));
    this.kick();
    this.pruneLoop.kick();
    if (!this.pruneTimer) {
      this.pruneTimer = setInterval(() => this.pruneLoop.kick(), this.options.pruneIntervalMs ?? 60_000);
      this.pruneTimer.unref();
    }
  }

  kick(): void {
    for (const consumer of this.consumers) consumer.kick();
  }

  /** Resolves when no consumer and no pruning run is in progress (tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.idle()));
    await this.pruneLoop.idle();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    await this.pruneLoop.stop();
  }

  /** One bounded run: deletes up to `pruneBatch` entries behind the slowest registered consumer; asks for another run if there may be more. */
  private async prune(): Promise<void> {
    const { journal } = this.options;
    const positions = await Promise.all(this.consumers.map(async (consumer) => (await journal.cursor(consumer.name)).position));
    const upTo = positions.length > 0 ? Math.min(...positions) : await journal.head();
    const removed = await journal.prune(upTo, this.pruneBatch);
    if (removed === this.pruneBatch) this.pruneLoop.kick();
  }
}
