import { randomUUID } from "node:crypto";
import type { Logger } from "../log/createLogger.js";
import type { PluginScheduler } from "./pluginApi.js";
import type { PluginJob, PluginJobStore } from "./PluginStorage.js";

/** Longest single sleep: Node timers overflow past ~24.8 days; a far job is re-checked meanwhile. */
const MAX_SLEEP_MS = 3_600_000;
/** A failing job is tried this many times, then dropped with an error line. */
const MAX_JOB_ATTEMPTS = 5;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 300_000;
/** Jobs run per pass, so a backlog after downtime does not starve the event loop. */
const BATCH = 50;

interface MemoryJob extends PluginJob {
  attempts: number;
}

/**
 * One plugin's scheduler, owned by the host. Persisted jobs live in the plugin's sublevel with a
 * due-time index; one timer sleeps until the earliest job (persisted or not). Nothing runs before
 * `start()` (jobs already overdue then run at once); `stop()` clears every timer and waits for
 * the job or task in progress.
 */
export class HostScheduler implements PluginScheduler {
  private readonly handlers = new Map<string, (payload: unknown) => Promise<void> | void>();
  private readonly memory = new Map<string, MemoryJob>();
  private readonly intervals = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;

  constructor(
    private readonly jobs: PluginJobStore,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async runAt(at: number, name: string, payload?: unknown, options: { persist?: boolean } = {}): Promise<string> {
    this.assertOpen();
    if (!Number.isFinite(at)) throw new RangeError("runAt needs a time in ms since epoch");
    const job: MemoryJob = { id: randomUUID(), name, payload: payload === undefined ? null : payload, at: Math.floor(at), attempts: 0 };
    if (options.persist) await this.jobs.put({ id: job.id, name, payload: toJson(job.payload), at: job.at, attempts: 0 });
    else this.memory.set(job.id, job);
    this.kick();
    return job.id;
  }

  runEvery(intervalMs: number, task: () => Promise<void> | void): void {
    this.assertOpen();
    if (!Number.isFinite(intervalMs) || intervalMs < 10) throw new RangeError("runEvery needs an interval of at least 10 ms");
    let busy = false;
    const interval = setInterval(() => {
      if (!this.started || this.stopped || busy) return;
      busy = true;
      const run = (async () => {
        try {
          await task();
        } catch (error) {
          this.logger.warn({ err: error }, "plugin periodic task failed");
        } finally {
          busy = false;
        }
      })();
      this.track(run);
    }, intervalMs);
    interval.unref();
    this.intervals.add(interval);
  }

  handle(name: string, handler: (payload: unknown) => Promise<void> | void): void {
    this.assertOpen();
    this.handlers.set(name, handler);
    this.kick();
  }

  async cancel(jobId: string): Promise<void> {
    if (this.memory.delete(jobId)) return;
    await this.jobs.delete(jobId);
  }

  /** Runs overdue jobs and arms the timer. */
  start(): void {
    if (this.stopped) return;
    this.started = true;
    this.kick();
  }

  /** Clears every timer, forgets unpersisted jobs and waits for whatever runs. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const interval of this.intervals) clearInterval(interval);
    this.intervals.clear();
    this.memory.clear();
    while (this.running) await this.running;
    await Promise.allSettled([...this.tasks]);
  }

  private kick(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.runDue();
        await this.arm();
      } catch (error) {
        // A store failure: try again later rather than spin.
        this.logger.warn({ err: error }, "plugin scheduler pass failed");
        this.sleep(RETRY_BASE_MS * 5);
      }
    } while (this.again && !this.stopped);
  }

  private async runDue(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const now = this.now();
      const memoryDue = [...this.memory.values()].filter((job) => job.at <= now).sort((a, b) => a.at - b.at);
      const persistedDue = await this.jobs.due(now, BATCH);
      if (memoryDue.length === 0 && persistedDue.length === 0) return;
      for (const job of memoryDue) {
        if (this.stopped) return;
        this.memory.delete(job.id);
        const failure = await this.attempt(job);
        if (failure !== undefined && !this.stopped) {
          const retry = this.retryOf(job, failure);
          if (retry) this.memory.set(job.id, { ...job, ...retry });
        }
      }
      for (const stored of persistedDue) {
        if (this.stopped) return;
        const job = { ...stored, attempts: stored.attempts ?? 0 };
        const failure = await this.attempt(job);
        if (this.stopped && failure !== undefined) return;
        const retry = failure === undefined ? undefined : this.retryOf(job, failure);
        if (retry) await this.jobs.put({ ...stored, ...retry });
        else await this.jobs.delete(job.id);
      }
    }
  }

  /** Runs a job once; resolves the error it failed with, if any. */
  private async attempt(job: MemoryJob): Promise<unknown> {
    const handler = this.handlers.get(job.name);
    if (!handler) {
      this.logger.warn({ job: job.name }, "plugin job has no handler registered; dropped");
      return undefined;
    }
    try {
      await handler(job.payload);
      return undefined;
    } catch (error) {
      return error ?? new Error("job failed");
    }
  }

  /** The job's next try after `error`, or undefined when it is dropped. */
  private retryOf(job: MemoryJob, error: unknown): { at: number; attempts: number } | undefined {
    const attempts = job.attempts + 1;
    if (attempts >= MAX_JOB_ATTEMPTS) {
      this.logger.error({ err: error, job: job.name, attempts }, "plugin job failed too often; dropped");
      return undefined;
    }
    this.logger.warn({ err: error, job: job.name, attempts }, "plugin job failed; retried later");
    return { at: this.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1)), attempts };
  }

  private async arm(): Promise<void> {
    let next = Number.POSITIVE_INFINITY;
    for (const job of this.memory.values()) next = Math.min(next, job.at);
    const stored = await this.jobs.next();
    if (stored) next = Math.min(next, stored.at);
    if (next !== Number.POSITIVE_INFINITY) this.sleep(next - this.now());
  }

  private sleep(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.kick();
      },
      Math.min(MAX_SLEEP_MS, Math.max(0, ms)),
    );
    this.timer.unref();
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private assertOpen(): void {
    if (this.stopped) throw new Error("the plugin is stopped");
  }
}

function toJson(payload: unknown): unknown {
  return JSON.parse(JSON.stringify(payload ?? null)) as unknown;
}
