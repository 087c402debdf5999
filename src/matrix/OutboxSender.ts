import type { Appservice } from "@vector-im/matrix-bot-sdk";
import type { Logger } from "../log/createLogger.js";
import { outboxOperationProblem } from "../platform/outbox/validateOutboxOperation.js";
import { type IdMapping, type MappingLink, refText } from "../platform/ports/IdMapping.js";
import type { Outbox, OutboxEntry, PermanentFailure, PermanentFailureReason } from "../platform/ports/Outbox.js";
import type { AppserviceMetrics } from "./appserviceMetrics.js";
import { failureCode } from "./failureCode.js";
import { isTransientError, isUnreachableError } from "./isTransientError.js";
import type { AvatarImporter } from "./AvatarImporter.js";
import type { ImageImports } from "../platform/ports/ImageImports.js";
import type { DeviceClients } from "./crypto/GhostDevices.js";
import { OutboxOperations, UnresolvedTargetError } from "./OutboxOperations.js";
import type { RoomEncryptionCache } from "./RoomEncryptionCache.js";
import { budgetSpent, retryDelay, type RetryBudget } from "../platform/work/retryDelay.js";
import { WakeTimer } from "../platform/work/WakeTimer.js";

/** Entries read per store call while walking the queue. */
const PAGE = 50;

export interface OutboxSenderOptions {
  budget: RetryBudget;
  /** Platform references ↔ Matrix IDs: rooms and relation targets are resolved through it at send time. */
  mapping: IdMapping;
  /** Called when a waiting entry becomes due, so the loop drains again. */
  wake(): void;
  /** False while the homeserver is known to be unusable: nothing is tried (the caller drains again when it is back). */
  homeserverUsable?: () => boolean;
  /**
   * Called once for each entry that will never be carried out, after it was dead-lettered
   * (the bridge marks the platform message `delivery: "failed"`). The report is durable: one
   * not acknowledged before a crash (or whose hook threw) is made again on a later drain.
   */
  onPermanentFailure?: (entry: OutboxEntry, failure: PermanentFailure) => Promise<void> | void;
  /** Ghost avatars from https URLs (profile operations with `avatarSource`). */
  avatars?: AvatarImporter;
  /** Images by URL (`sendImage` operations); without it they are skipped. */
  images?: ImageImports;
  now?: () => number;
  random?: () => number;
  /** Ghosts' own crypto devices, for sends into encrypted rooms (absent when encryption is off). */
  devices?: DeviceClients;
  /** Which rooms are encrypted; pass the one the transaction intake updates (default: a private one, negatives kept until their TTL). */
  encryption?: RoomEncryptionCache;
}

/**
 * Carries out queued operations in order per room. A room's lane is its Matrix room, or its
 * platform room for entries addressed by platform reference (so sends queued before the
 * portal exists follow its creation); once the portal is mapped both keys name one lane.
 * Every operation is idempotent on retry (see `OutboxOperations`), so a crash between the
 * homeserver's answer and the batch that completes the entry repeats nothing.
 *
 * An operation the homeserver refuses with 5xx/429 waits (capped, jittered backoff, persisted
 * on the entry) and holds only the later entries of its own lane; after its retry budget, or
 * at once for a permanent failure (4xx, unresolved target, invalid), it moves to the dead
 * letters, is reported through `onPermanentFailure`, and its lane goes on. When no connection
 * to the homeserver can be made, the drain stops and the caller retries it as a whole (an
 * outage concerns every room alike); while the homeserver monitor says it is unusable,
 * nothing is tried and no budget is spent.
 */
export class OutboxSender {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timer: WakeTimer;
  private readonly operations: OutboxOperations;

  constructor(
    private readonly outbox: Outbox,
    appservice: Appservice,
    logger: Logger,
    private readonly metrics: AppserviceMetrics,
    private readonly options: OutboxSenderOptions,
  ) {
    this.log = logger.child({ component: "outbox" });
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.timer = new WakeTimer(options.wake, this.now);
    this.operations = new OutboxOperations(appservice, options.mapping, options.devices, options.avatars, options.encryption, options.images);
  }

  /** Walks the queue once, carrying out what is due; throws when the homeserver is unreachable, leaving the entry queued. */
  async drain(): Promise<void> {
    await this.reportFailures();
    // Lanes with an earlier entry still waiting in this pass: their later entries keep their place.
    const held = new Set<string>();
    let after: string | undefined;
    try {
      for (;;) {
        if (this.options.homeserverUsable?.() === false) return;
        const page = await this.outbox.peek(PAGE, after);
        if (page.length === 0) return;
        for (const entry of page) {
          after = entry.id;
          const { lanes, roomId } = await this.laneOf(entry);
          if (lanes.some((lane) => held.has(lane))) continue;
          if ((entry.notBefore ?? 0) > this.now()) {
            for (const lane of lanes) held.add(lane);
            this.timer.at(entry.notBefore!);
            continue;
          }
          if (!(await this.sendOne(entry, roomId))) for (const lane of lanes) held.add(lane);
        }
      }
    } finally {
      await this.reportFailures();
    }
  }

  stop(): void {
    this.timer.stop();
  }

  /** The lane keys of an entry and its Matrix room, when it has one yet. */
  private async laneOf(entry: OutboxEntry): Promise<{ lanes: string[]; roomId?: string }> {
    if ("roomId" in entry && entry.roomId !== undefined) return { lanes: [entry.roomId], roomId: entry.roomId };
    if ("room" in entry && entry.room !== undefined) {
      const lane = refText(entry.room);
      const roomId = (await this.options.mapping.toMatrix(entry.room))?.roomId;
      return roomId === undefined ? { lanes: [lane] } : { lanes: [lane, roomId], roomId };
    }
    return { lanes: [`profile:${entry.sender}`] };
  }

  /** Carries out one entry; resolves false when it has to wait and so holds its lane. */
  private async sendOne(entry: OutboxEntry, roomId: string | undefined): Promise<boolean> {
    const problem = outboxOperationProblem(operationOf(entry));
    if (problem !== undefined) return this.permanent(entry, "invalid", "invalid operation");
    let links;
    try {
      links = await this.operations.perform(entry, roomId);
    } catch (error) {
      if (isUnreachableError(error)) {
        this.metrics.outboxSent.inc({ result: "retry" });
        throw error;
      }
      if (error instanceof UnresolvedTargetError) return this.permanent(entry, "unresolved", error.code);
      if (isTransientError(error)) return this.fail(entry, error);
      return this.permanent(entry, "refused", failureCode(error));
    }
    if (!(await this.outbox.complete(entry.id, links))) await this.takeBack(entry, links);
    this.metrics.outboxSent.inc({ result: "sent" });
    return true;
  }

  /** The entry's message expired while it was being sent: what it produced in Matrix is redacted by its own sender. */
  private async takeBack(entry: OutboxEntry, links: readonly MappingLink[]): Promise<void> {
    const redactions = links.flatMap((link) =>
      link.eventId === undefined ? [] : [{ op: "redact" as const, sender: entry.sender, roomId: link.roomId, target: { eventId: link.eventId }, reason: "disappearing message expired" }],
    );
    this.log.info({ entry: entry.id, events: redactions.length }, "sent entry was purged meanwhile; redacting what it produced");
    await this.outbox.enqueue(redactions, this.now());
  }

  private async fail(entry: OutboxEntry, error: unknown): Promise<boolean> {
    const { budget } = this.options;
    const at = this.now();
    const code = failureCode(error);
    if (budgetSpent(budget, entry.attempts, entry.firstFailureAt, at)) return this.permanent(entry, "budget", code);
    this.metrics.outboxSent.inc({ result: "retry" });
    const notBefore = at + retryDelay(budget, entry.attempts + 1, this.random);
    await this.outbox.recordFailure(entry.id, { at, error: code, notBefore });
    this.log[entry.attempts === 0 ? "warn" : "debug"]({ ...where(entry), attempts: entry.attempts + 1, error: code, retryInMs: notBefore - at }, "send failed; its room waits, others go on");
    this.timer.at(notBefore);
    return false;
  }

  /** Dead-letters an entry that will never be carried out (its report goes out at the end of the drain); its lane goes on. */
  private async permanent(entry: OutboxEntry, reason: PermanentFailureReason, error: string): Promise<boolean> {
    const at = this.now();
    await this.outbox.deadLetter(entry, { at, error, reason });
    this.metrics.outboxSent.inc({ result: "dead-lettered" });
    this.metrics.deadLettered.inc({ source: "outbox" });
    this.metrics.outboxFailed.inc({ reason });
    const facts = { ...where(entry), attempts: entry.attempts + 1, error, reason };
    if (reason === "budget") this.log.warn({ ...facts, failingForMs: at - (entry.firstFailureAt ?? at) }, "send dead-lettered after its retry budget; its room goes on");
    else this.log.warn(facts, "send failed for good; dead-lettered, its room goes on");
    return true;
  }

  /** Hands pending failure reports to the hook, acknowledging each after it returned; a throwing hook is retried later. */
  private async reportFailures(): Promise<void> {
    const hook = this.options.onPermanentFailure;
    for (;;) {
      const reports = await this.outbox.pendingFailures(PAGE);
      if (reports.length === 0) return;
      for (const { entry, failure } of reports) {
        if (hook) {
          try {
            await hook(entry, failure);
          } catch (error) {
            this.log.warn({ ...where(entry), err: error }, "permanent failure not reported; trying again later");
            this.timer.at(this.now() + this.options.budget.initialDelayMs);
            return;
          }
        }
        await this.outbox.acknowledgeFailure(entry.id);
      }
    }
  }
}

/** Ids and kinds for logs, never content. */
function where(entry: OutboxEntry): Record<string, unknown> {
  return {
    outboxId: entry.id,
    op: entry.op,
    ...("roomId" in entry && entry.roomId !== undefined ? { roomId: entry.roomId } : {}),
    ...("room" in entry && entry.room !== undefined ? { room: refText(entry.room) } : {}),
    ...("eventType" in entry ? { eventType: entry.eventType } : {}),
  };
}

/** The operation an entry carries, without the outbox's bookkeeping. */
function operationOf(entry: OutboxEntry): unknown {
  const { id: _i, createdAt: _c, attempts: _a, firstFailureAt: _f, lastFailureAt: _l, notBefore: _n, lastError: _e, ...operation } = entry;
  return operation;
}
