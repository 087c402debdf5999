import type { CommentId } from "../platform/ids.js";
import type { CommentPurge, PurgedComment } from "../platform/ports/CommentPurge.js";
import type { PlatformRef } from "../platform/ports/IdMapping.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import { allImageEventRefs } from "../platform/media/imageEventRef.js";
import { reactionRefId } from "../platform/reactions/reactionRefId.js";
import type { LevelComments } from "./LevelComments.js";
import type { LevelDeadLetters } from "./LevelDeadLetters.js";
import type { LevelIdMapping } from "./LevelIdMapping.js";
import type { LevelJournal } from "./LevelJournal.js";
import { namesAny } from "./LevelMessagePurge.js";
import type { LevelOutbox } from "./LevelOutbox.js";
import type { LevelReactions } from "./LevelReactions.js";

/**
 * Purges a comment across the repositories that hold copies of it, in one batch written under
 * their locks, taken in the order their own writes nest them (comments, reactions, outbox,
 * mapping, then the journal's), as {@link LevelMessagePurge} does for messages.
 */
export class LevelCommentPurge implements CommentPurge {
  constructor(
    private readonly repos: {
      comments: LevelComments;
      reactions: LevelReactions;
      outbox: LevelOutbox;
      mapping: LevelIdMapping;
      journal: LevelJournal;
      deadLetters: LevelDeadLetters;
    },
    /** The store's compaction, shared with the message purge (so the two coalesce). */
    private readonly compaction: { compact(): Promise<void> },
  ) {}

  purge(commentId: CommentId, events: (purged: PurgedComment) => JournalRecords): Promise<PurgedComment | undefined> {
    const { comments, reactions, outbox, mapping, journal, deadLetters } = this.repos;
    return comments.withLock(() =>
      reactions.withLock(() =>
        outbox.withLock(() =>
          mapping.withLock(async () => {
            const comment = await comments.get(commentId);
            if (!comment) return undefined;
            const target = { kind: "comment" as const, id: comment.id };
            const onIt = await reactions.purgeOps(target);
            const refs: PlatformRef[] = [
              target,
              ...onIt.reactions.map((r) => ({ kind: "reaction" as const, id: reactionRefId(target, r.by, r.key) })),
              ...allImageEventRefs(target),
            ];
            const unlinked = await mapping.unlinkOps(refs);
            const refIds = new Set(refs.map((ref) => `${ref.kind}:${ref.id}`));
            const purged: PurgedComment = { comment, matrixEventIds: unlinked.eventIds };
            await journal.commit(
              [
                ...(await comments.purgeOps(comment)),
                ...onIt.ops,
                ...unlinked.ops,
                ...(await outbox.purgeOps((entry) => namesAny(entry, refIds))),
                ...(await deadLetters.purgeInboundOps(new Set(unlinked.eventIds))),
                // Entries of reactions on it carry their keys, which people type.
                ...(await journal.purgeOps((event) => "target" in event && event.target.kind === "comment" && event.target.id === comment.id)),
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
    return this.compaction.compact();
  }
}
