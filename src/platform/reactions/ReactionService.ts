import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { DomainEventBus, PublishedEvent, WriteOptions } from "../events/DomainEvent.js";
import { reactionRefId } from "./reactionRefId.js";
import type { ReactionLimits, ReactionRepository, ReactionTargetKind, ReactionTargetRef } from "./Reaction.js";
import type { Person, PersonId } from "../people/Person.js";
import { people } from "../people/people.js";
import type { GhostAccounts } from "../ports/GhostAccounts.js";
import { normalizeReactionKey } from "./reactionKey.js";
import { reactionSummaries, type ReactionSummary } from "./reactionSummaries.js";
import type { ReactionTargetInfo, ReactionTargets } from "./ReactionTargets.js";

export interface ReactionServiceDeps {
  reactions: ReactionRepository;
  /** One port per kind of target; a kind without one has no targets (NOT_FOUND). */
  targets: Partial<Record<ReactionTargetKind, ReactionTargets>>;
  events: DomainEventBus;
  /** Ghosts' Matrix IDs to their accounts: a ghost's reaction is its account's. */
  ghosts?: GhostAccounts;
  limits?: ReactionLimits;
  now?: () => number;
}

export const DEFAULT_REACTION_LIMITS: ReactionLimits = { keysPerTarget: 50, keysPerPerson: 20 };

// Whatever a caller passes as an id reaches the store as a key part.
const TARGET_ID = /^[^\p{Cc}\p{Cs}]{1,255}$/u;

/**
 * Reactions on posts, comments and chat messages, one per person per key per target. Adding
 * and removing are idempotent: repeating either changes nothing and emits nothing.
 * `actor` is a Mirage account or a Matrix user; a ghost reacts as its account.
 */
export class ReactionService {
  private readonly now: () => number;
  private readonly limits: ReactionLimits;

  constructor(private readonly deps: ReactionServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.limits = deps.limits ?? DEFAULT_REACTION_LIMITS;
  }

  async add(person: Person, target: ReactionTargetRef, rawKey: string, options: WriteOptions = {}): Promise<ReactionSummary & { key: string }> {
    const actor = people.id(people.canonical(person, this.deps.ghosts));
    const key = normalizeReactionKey(rawKey);
    const info = await this.find(target, actor);
    if (info.refusesNew !== undefined) throw new MirageError(ErrorCodes.forbidden, info.refusesNew);
    const origin = options.origin ? { ...options.origin, ref: { kind: "reaction" as const, id: reactionRefId(target, actor, key) } } : undefined;
    const events = [this.record("reaction.added", actor, target, key, info, origin)];
    const result = await this.deps.reactions.add({ target: { kind: target.kind, id: target.id }, key, by: actor, at: this.now() }, this.limits, events);
    if (result === "too-many-keys") {
      throw new MirageError(ErrorCodes.conflict, `this ${target.kind} already has ${this.limits.keysPerTarget} different reactions`);
    }
    if (result === "too-many-by-person") {
      throw new MirageError(ErrorCodes.conflict, `you already reacted to this ${target.kind} with ${this.limits.keysPerPerson} different keys`);
    }
    if (result === "added") this.deps.events.publish(events);
    return { key, ...(await this.summaryFor(target, actor)) };
  }

  /** Removing a reaction that is not there succeeds (the outcome the caller wanted holds). */
  async remove(person: Person, target: ReactionTargetRef, rawKey: string, options: WriteOptions = {}): Promise<ReactionSummary & { key: string }> {
    const actor = people.id(people.canonical(person, this.deps.ghosts));
    const key = normalizeReactionKey(rawKey);
    const info = await this.find(target, actor);
    const events = [this.record("reaction.removed", actor, target, key, info, options.origin)];
    if (await this.deps.reactions.remove(target, actor, key, events)) this.deps.events.publish(events);
    return { key, ...(await this.summaryFor(target, actor)) };
  }

  /** Counts, and the keys `reader` (a ghost being its account) reacted with; none for no reader. */
  async summary(target: ReactionTargetRef, reader: Person | undefined): Promise<ReactionSummary> {
    return this.summaryFor(target, reader === undefined ? undefined : people.id(people.canonical(reader, this.deps.ghosts)));
  }

  private async summaryFor(target: ReactionTargetRef, reader: PersonId | undefined): Promise<ReactionSummary> {
    const [summary] = await reactionSummaries(this.deps.reactions, [target], reader);
    return summary!;
  }

  private async find(target: ReactionTargetRef, reader: PersonId): Promise<ReactionTargetInfo> {
    const port = this.deps.targets[target.kind];
    const info = TARGET_ID.test(target.id) ? await port?.find(target.id, reader) : undefined;
    if (!info) throw new MirageError(ErrorCodes.notFound, `${target.kind} not found`);
    return info;
  }

  private record(
    type: "reaction.added" | "reaction.removed",
    by: string,
    target: ReactionTargetRef,
    key: string,
    info: ReactionTargetInfo,
    origin: WriteOptions["origin"],
  ): PublishedEvent {
    // Matrix users have no sync stream; they learn of reactions through the bridge.
    const audience = [...new Set([...info.audience, by])].filter((id) => !people.isMatrixId(id));
    const eventTarget = { kind: target.kind, id: target.id, ...(info.roomId !== undefined ? { roomId: info.roomId } : {}) };
    return { event: { type, target: eventTarget, key, by }, audience, at: this.now(), ...(origin ? { origin } : {}) };
  }
}
