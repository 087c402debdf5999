import type { Logger } from "../log/createLogger.js";
import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { LaneEvent, RoomLanes } from "../platform/ports/RoomLanes.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import { failureCode } from "./failureCode.js";
import { HandlerFailedError } from "./HandlerFailedError.js";
import { isUnreachableError } from "./isTransientError.js";
import { budgetSpent, retryDelay, type RetryBudget } from "../platform/work/retryDelay.js";
import { WakeTimer } from "../platform/work/WakeTimer.js";


export interface LaneSchedulerDeps {
  lanes: RoomLanes;
  /** Handles one event; throws when it should be retried. */
  handle(entry: LaneEvent): Promise<OutboxEntryInput[]>;
  /** Called after effects were committed, so the outbox sends them. */
  onEffects(): void;
  /** Called when the homeserver could not be reached at all (re-check it now). */
  onUnreachable?: (error: unknown) => void;
  /** False while the homeserver is known to be unusable: no lane starts (call `resume()` when it is back). */
  homeserverUsable?: () => boolean;
  budget: RetryBudget;
  /** Lanes run at the same time. */
  concurrency: number;
  /** Wait after an unreachable homeserver before lanes try again (doubles per outage failure). */
  outageMaxDelayMs: number;
  logger: Logger;
  metrics: AppserviceMetrics;
  now?: () => number;
  random?: () => number;
}

/** Events one lane handles before it gives its slot to the next room. */
const EVENTS_PER_TURN = 20;
/** Heads read per store call while looking for runnable lanes. */
const SCAN_PAGE = 64;

/**
 * Runs room lanes with bounded concurrency. A lane handles its events in order; when its head
 * fails, only that lane waits (capped, jittered exponential backoff, persisted on the event as
 * `notBefore`, so a restart keeps both the wait and the budget) while other lanes go on. After
 * `maxAttempts` failures, or at a failure `maxAgeMs` after the first, the event moves to the dead
 * letters in the batch that removes it from its lane, and its room goes on with the next event.
 * When no connection to the homeserver can be made, or its monitor says it is unusable, every
 * lane pauses together and no attempt is counted.
 *
 * Memory is bounded by `concurrency`: which lanes wait, and until when, lives in the store; each
 * pass scans lane heads (round-robin from the room last started) and arms one timer for the
 * earliest `notBefore`.
 */
export class LaneScheduler {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly running = new Map<string, Promise<void>>();
  private cursor: string | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly timer: WakeTimer;
  private pausedUntil = 0;
  private outageFailures = 0;

  constructor(private readonly deps: LaneSchedulerDeps) {
    this.log = deps.logger.child({ component: "lanes" });
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.timer = new WakeTimer(() => this.kick(), this.now);
  }

  /** Looks for runnable lanes (new events, a freed slot, a backoff that ended). */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Ends an outage pause early (the homeserver is back). */
  resume(): void {
    this.pausedUntil = 0;
    this.outageFailures = 0;
    this.kick();
  }

  /** Resolves when no lane runs and no scan is in progress (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.pumping || this.running.size > 0) {
      await this.pumping;
      await Promise.all(this.running.values());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer.stop();
    await this.idle();
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.fill();
      } catch (error) {
        this.log.error({ err: error }, "could not read room lanes; will look again");
        this.arm(this.now() + this.deps.outageMaxDelayMs);
      }
    } while (this.again && !this.stopped);
  }

  private async fill(): Promise<void> {
    const now = this.now();
    if (now < this.pausedUntil) {
      this.arm(this.pausedUntil);
      return;
    }
    if (this.deps.homeserverUsable?.() === false) return;
    let earliest = Number.POSITIVE_INFINITY;
    const start = this.cursor;
    let after = start;
    let wrapped = start === undefined;
    scan: for (;;) {
      const page = await this.deps.lanes.heads(after, SCAN_PAGE);
      if (page.length === 0) {
        if (wrapped) break;
        wrapped = true;
        after = undefined;
        continue;
      }
      for (const head of page) {
        if (wrapped && start !== undefined && head.roomId > start) break scan;
        after = head.roomId;
        if (this.running.has(head.roomId)) continue;
        if ((head.notBefore ?? 0) > now) {
          earliest = Math.min(earliest, head.notBefore!);
          continue;
        }
        // A slot frees up later and scans again.
        if (this.running.size >= this.deps.concurrency) break scan;
        this.startLane(head.roomId);
      }
    }
    if (earliest < Number.POSITIVE_INFINITY) this.arm(earliest);
  }

  private startLane(roomId: string): void {
    this.cursor = roomId;
    const run = this.runLane(roomId)
      .catch((error: unknown) => {
        this.log.error({ roomId, err: error }, "room lane failed; will look again");
        this.arm(this.now() + this.deps.outageMaxDelayMs);
      })
      .finally(() => {
        this.running.delete(roomId);
        this.kick();
      });
    this.running.set(roomId, run);
  }

  private async runLane(roomId: string): Promise<void> {
    for (let n = 0; n < EVENTS_PER_TURN && !this.stopped; n++) {
      const head = await this.deps.lanes.head(roomId);
      const now = this.now();
      if (!head || (head.notBefore ?? 0) > now || now < this.pausedUntil || this.deps.homeserverUsable?.() === false) return;
      if (!(await this.runHead(head))) return;
    }
  }

  /** Handles the head; resolves false when the lane has to wait. */
  private async runHead(head: LaneEvent): Promise<boolean> {
    let effects: OutboxEntryInput[];
    try {
      effects = await this.deps.handle(head);
    } catch (error) {
      if (isUnreachableError(error)) {
        this.pauseForOutage(error);
        return false;
      }
      return this.fail(head, error);
    }
    this.outageFailures = 0;
    await this.deps.lanes.complete(head, effects);
    if (effects.length > 0) this.deps.onEffects();
    return true;
  }

  /** Counts a failure; dead-letters the event (and lets the lane go on) once its budget is spent. */
  private async fail(head: LaneEvent, error: unknown): Promise<boolean> {
    const { budget, metrics } = this.deps;
    const at = this.now();
    const code = failureCode(error);
    const attempts = head.attempts + 1;
    const firstFailureAt = head.firstFailureAt ?? at;
    const where = { roomId: head.roomId, eventId: head.event.event_id, eventType: head.event.type, attempts, error: code };
    // A handler failure is not fixed by waiting: straight to the dead letters, retryable after a fix.
    const permanent = error instanceof HandlerFailedError;
    if (permanent || budgetSpent(budget, head.attempts, head.firstFailureAt, at)) {
      await this.deps.lanes.deadLetter(head, { at, error: code });
      metrics.deadLettered.inc({ source: "inbox" });
      const why = permanent ? "event dead-lettered: its handler failed; its room goes on" : "event dead-lettered after its retry budget; its room goes on";
      this.log.warn({ ...where, failingForMs: at - firstFailureAt }, why);
      return true;
    }
    const notBefore = at + retryDelay(budget, attempts, this.random);
    await this.deps.lanes.recordFailure(head, { at, error: code, notBefore });
    // First failure at warn, the rest at debug: a stuck room should not flood the log.
    this.log[attempts === 1 ? "warn" : "debug"]({ ...where, retryInMs: notBefore - at }, "event failed; its room waits, others go on");
    this.arm(notBefore);
    return false;
  }

  private pauseForOutage(error: unknown): void {
    this.outageFailures += 1;
    const delay = Math.min(this.deps.outageMaxDelayMs, 500 * 2 ** Math.min(this.outageFailures - 1, 20));
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + delay);
    if (this.outageFailures === 1) this.log.warn({ err: error, retryInMs: delay }, "homeserver unreachable; all rooms wait");
    this.deps.onUnreachable?.(error);
    this.arm(this.pausedUntil);
  }

  /** One timer, for the earliest moment something becomes runnable. */
  private arm(at: number): void {
    this.timer.at(at);
  }
}
