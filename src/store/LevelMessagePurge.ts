import type { MessageId } from "../platform/ids.js";
import type { MessagePurge, PurgedMessage } from "../platform/ports/MessagePurge.js";
import type { OutboxEntry } from "../platform/ports/Outbox.js";
import { allImageEventRefs } from "../platform/media/imageEventRef.js";
import { allEditEventRefs } from "../platform/chat/editEventRef.js";
import type { PlatformRef } from "../platform/ports/IdMapping.js";
import { reactionRefId } from "../platform/reactions/reactionRefId.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { RootLevel } from "./LevelDatabase.js";
import type { LevelDeadLetters } from "./LevelDeadLetters.js";
import type { LevelIdMapping } from "./LevelIdMapping.js";
import type { LevelJournal } from "./LevelJournal.js";
import type { LevelMessages } from "./LevelMessages.js";
import type { LevelOutbox } from "./LevelOutbox.js";
import type { LevelReactions } from "./LevelReactions.js";
import { StoreCompactor } from "./StoreCompactor.js";

/**
 * Purges a message across the repositories that hold copies of it, in one batch written under
 * their locks, taken in the order their own writes nest them (messages, reactions, outbox,
 * mapping, then the journal's), so a purge never deadlocks with a write.
 */
export class LevelMessagePurge implements MessagePurge {
  private readonly compactor: StoreCompactor;

  constructor(
    db: RootLevel,
    private readonly repos: {
      messages: LevelMessages;
      reactions: LevelReactions;
      outbox: LevelOutbox;
      mapping: LevelIdMapping;
      journal: LevelJournal;
      deadLetters: LevelDeadLetters;
    },
  ) {
    this.compactor = new StoreCompactor(db);
  }

  purge(messageId: MessageId, events: (purged: PurgedMessage) => JournalRecords): Promise<PurgedMessage | undefined> {
    const { messages, reactions, outbox, mapping, journal, deadLetters } = this.repos;
    return messages.withLock(() =>
      reactions.withLock(() =>
        outbox.withLock(() =>
          mapping.withLock(async () => {
            const message = await messages.get(messageId);
            if (!message) return undefined;
            const target = { kind: "message" as const, id: message.id };
            const onIt = await reactions.purgeOps(target);
            const refs: PlatformRef[] = [
              { kind: "message", id: message.id },
              ...onIt.reactions.map((r) => ({ kind: "reaction" as const, id: reactionRefId(target, r.by, r.key) })),
              // The images sent after its text go with it, and its edits' events.
              ...allImageEventRefs(target),
              ...allEditEventRefs(message.id, message.edits),
            ];
            const unlinked = await mapping.unlinkOps(refs);
            const refIds = new Set(refs.map((ref) => `${ref.kind}:${ref.id}`));
            const purged: PurgedMessage = { message, matrixEventIds: unlinked.eventIds };
            await journal.commit(
              [
                ...(await messages.purgeOps(message)),
                ...onIt.ops,
                ...unlinked.ops,
                ...(await outbox.purgeOps((entry) => namesAny(entry, refIds))),
                ...(await deadLetters.purgeInboundOps(new Set(unlinked.eventIds))),
                // Entries of reactions on it carry their keys, which people type.
                ...(await journal.purgeOps((event) => "target" in event && event.target.kind === "message" && event.target.id === message.id)),
              ],
              events(purged),
            );
            reactions.forget(target);
            return purged;
          }),
        ),
      ),
    );
  }

  compact(): Promise<void> {
    return this.compactor.compactAndSettle();
  }
}

/** Whether an outbox entry would show one of `refIds` (`kind:id`) in Matrix: as its event, or as what it edits, reacts to, redacts or marks read. */
export function namesAny(entry: OutboxEntry, refIds: ReadonlySet<string>): boolean {
  const named = (ref: unknown) => {
    const r = ref as { kind?: string; id?: string } | undefined;
    return r?.kind !== undefined && refIds.has(`${r.kind}:${r.id}`);
  };
  if (entry.op === "send") {
    if (named(entry.ref)) return true;
    const relation = entry.relation;
    if (relation?.type === "edit") return named(relation.target);
    if (relation?.type === "reaction") return named(relation.target);
    return false;
  }
  if (entry.op === "sendImage") return named(entry.ref);
  if (entry.op === "redact" || entry.op === "receipt") return named(entry.target);
  return false;
}
