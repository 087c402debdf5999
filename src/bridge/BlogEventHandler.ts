import type { Logger } from "../log/createLogger.js";
import { deliveryFailure, type DeliveryFailureReason } from "../matrix/deliveryFailure.js";
import type { EffectSink, EventHandler } from "../matrix/EventHandler.js";
import type { RoomEvent } from "../matrix/matrixEvent.js";
import type { BlogService } from "../platform/blogs/BlogService.js";
import type { CommentRepository } from "../platform/blogs/Comment.js";
import type { CommentService } from "../platform/blogs/CommentService.js";
import { BLOG_LIMITS } from "../platform/blogs/contentRules.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { WriteOptions } from "../platform/events/DomainEvent.js";
import { asCommentId, asPostId, asReactionTargetId, type CommentId, type MatrixUserId, type PostId } from "../platform/ids.js";
import type { Person, PersonId } from "../platform/people/Person.js";
import { people } from "../platform/people/people.js";
import type { GhostAccounts } from "../platform/ports/GhostAccounts.js";
import type { IdMapping, PlatformRef } from "../platform/ports/IdMapping.js";
import type { ReactionService } from "../platform/reactions/ReactionService.js";
import { blogReactionOf } from "./blogReactionOf.js";
import { importContextFor } from "./BridgeEventHandler.js";
import { markdownToPost } from "./convert/markdownToPost.js";
import { matrixEditToMessage, matrixToMessage, type ImportContext, type ImportedMessage } from "./convert/matrixToMessage.js";
import { parseRelation, type InboundRelation } from "./convert/parseRelation.js";

export interface BlogEventHandlerDeps {
  blogs: BlogService;
  comments: CommentService;
  reactions: ReactionService;
  /** Read to find who wrote a redacted comment and where an in-thread reply attaches. */
  commentRecords: Pick<CommentRepository, "get">;
  mapping: IdMapping;
  ghosts: GhostAccounts;
  botUserId: string;
  /** Whether a Matrix user ID is one of Mirage's own (the bot or a ghost). */
  isOwnUser(userId: string): boolean;
  /** Told of each Matrix event refused (answered with a delivery status), for metrics. */
  onRefused?: (reason: DeliveryFailureReason) => void;
  /** The web URL of a valid `mxc://` URI on Mirage's media route. */
  mediaUrl(mxc: string): string;
  logger: Logger;
}

const TOP_LEVEL_REFUSAL = "only the blog's owner posts here; reply in a post's thread to comment";

/**
 * Matrix → platform, for events in blog rooms (the room of a blog: `{kind: "blog", id: owner}`):
 * a thread reply under a post is a comment (an in-thread reply to a comment a nested reply), the
 * owner's top-level message a post, reactions on posts and comments reactions, edits and
 * redactions edits and deletions, all acting as the Matrix user under the platform's rules. Each
 * write carries the event as its origin (its mapping link committed with the change, checked
 * first, so a replay does nothing and nothing is sent back). What the platform refuses gets a
 * delivery-status event and a short notice from the bot; someone else's top-level message is also
 * redacted, since only the owner posts.
 */
export class BlogEventHandler implements EventHandler {
  private readonly log: Logger;
  private readonly importContext: ImportContext;

  constructor(private readonly deps: BlogEventHandlerDeps) {
    this.log = deps.logger.child({ component: "blog-inbound" });
    this.importContext = importContextFor(deps.mediaUrl, deps.ghosts);
  }

  /** The owner of the blog whose room `roomId` is, if it is one. */
  async blogOf(roomId: string): Promise<PersonId | undefined> {
    const ref = await this.deps.mapping.byRoom(roomId);
    return ref?.kind === "blog" ? (ref.id as PersonId) : undefined;
  }

  async handle(event: RoomEvent, effects: EffectSink): Promise<void> {
    const owner = await this.blogOf(event.roomId);
    // A ghost's events are echoes of the platform: its account never writes through Matrix.
    if (owner === undefined || this.deps.isOwnUser(event.sender)) return;
    // Blog rooms have no platform membership (Matrix users' profiles are noted by the router), and no other state to import.
    if (event.stateKey !== undefined) return;
    if (await this.deps.mapping.byEvent(event.eventId)) return;
    const person = people.canonical(people.matrix(event.sender as MatrixUserId), this.deps.ghosts);
    const options: WriteOptions = { origin: { roomId: event.roomId, eventId: event.eventId } };
    try {
      switch (event.type) {
        case "m.room.message":
          return await this.onMessage(event, owner, person, options, effects);
        case "m.reaction":
          return await this.onReaction(event, person, options);
        case "m.room.redaction":
          return await this.onRedaction(event, owner, person, options);
        default:
          return;
      }
    } catch (error) {
      if (!(error instanceof MirageError)) throw error;
      // Capacity is not the event's fault: the lane retries it.
      if (error.code === ErrorCodes.overloaded) throw Object.assign(new Error("platform overloaded"), { statusCode: 503, cause: error });
      this.log.info({ roomId: event.roomId, eventId: event.eventId, eventType: event.type, code: error.code }, "platform refused a Matrix event");
      if (event.type === "m.room.message" || event.type === "m.reaction") {
        this.refuse(event, error.code === ErrorCodes.forbidden || error.code === ErrorCodes.notFound ? "no_permission" : "invalid", error.message, effects);
      }
    }
  }

  private async onMessage(event: RoomEvent, owner: PersonId, person: Person, options: WriteOptions, effects: EffectSink): Promise<void> {
    const relation = parseRelation(event.content, { eventId: event.eventId });
    if (relation.type === "edit") return this.onEdit(event, relation, person, options, effects);
    if (relation.type === "thread") return this.onThreadReply(event, relation, person, options, effects);
    // Anything else shows in the room's main timeline, where only the owner writes: posts.
    if (people.id(person) !== owner) return this.refuseTopLevel(event, effects);
    const imported = matrixToMessage(event.content, { ...this.importContext, maxBodyChars: BLOG_LIMITS.postBodyChars });
    if ("unsupported" in imported) return this.refuseUnsupported(event, imported, effects);
    await this.deps.blogs.createPost(person, owner, markdownToPost(imported.body), options);
  }

  private async onThreadReply(event: RoomEvent, relation: Extract<InboundRelation, { type: "thread" }>, person: Person, options: WriteOptions, effects: EffectSink): Promise<void> {
    const postId = this.idOf(await this.deps.mapping.byEvent(relation.root), "post");
    if (postId === undefined) return this.refuse(event, "unsupported", "only replies in a post's thread become comments", effects);
    const imported = matrixToMessage(event.content, { ...this.importContext, maxBodyChars: BLOG_LIMITS.commentBodyChars });
    if ("unsupported" in imported) return this.refuseUnsupported(event, imported, effects);
    const parentId = relation.replyTo === undefined ? undefined : await this.parentFor(asPostId(postId), relation.replyTo);
    await this.deps.comments.addComment(person, asPostId(postId), { body: imported.body, ...(parentId ? { parentId } : {}) }, options);
  }

  /**
   * The comment an in-thread reply to `eventId` nests under: that comment, or when it cannot take
   * a reply (deleted, or at the depth limit) its nearest ancestor that can; none (a top-level
   * comment) when the event is no comment of this post. Matrix shows a thread as one flat list in
   * which the replied-to event is a hint, and Element has no way to "reply higher up" as the web
   * asks: nesting the reply a level higher keeps what was said where it belongs, refusing it
   * would lose it.
   */
  private async parentFor(postId: PostId, eventId: string): Promise<CommentId | undefined> {
    const id = this.idOf(await this.deps.mapping.byEvent(eventId), "comment");
    let comment = id === undefined ? undefined : await this.deps.commentRecords.get(asCommentId(id));
    // Ancestors are at most the depth limit away; the bound also stops a corrupt cycle.
    for (let hops = 0; comment !== undefined && hops <= BLOG_LIMITS.commentDepth; hops++) {
      if (comment.postId !== postId) return undefined;
      if (!comment.deleted && comment.depth < BLOG_LIMITS.commentDepth) return comment.id;
      comment = comment.parentId === undefined ? undefined : await this.deps.commentRecords.get(comment.parentId);
    }
    return undefined;
  }

  /**
   * An edit of a comment's event is the comment's edit; of a post's event, the post's (title and
   * body again). Only an event a Matrix user sent can be theirs to edit: one Mirage sent (a ghost's,
   * the bot's) is ignored, as clients ignore an edit by anyone but the sender.
   */
  private async onEdit(event: RoomEvent, relation: Extract<InboundRelation, { type: "edit" }>, person: Person, options: WriteOptions, effects: EffectSink): Promise<void> {
    const link = await this.deps.mapping.byEvent(relation.target);
    if (link?.origin === "platform") {
      this.log.info({ roomId: event.roomId, eventId: event.eventId, targetKind: link.ref.kind }, "ignoring an edit of an event Mirage sent");
      return;
    }
    const target = link?.ref;
    if (target?.kind === "comment") {
      const edited = matrixEditToMessage(relation.newContent, { ...this.importContext, maxBodyChars: BLOG_LIMITS.commentBodyChars });
      if ("unsupported" in edited) return this.refuseUnsupported(event, edited, effects);
      await this.deps.comments.editComment(person, asCommentId(target.id), edited.body, options);
    } else if (target?.kind === "post") {
      const edited = matrixEditToMessage(relation.newContent, { ...this.importContext, maxBodyChars: BLOG_LIMITS.postBodyChars });
      if ("unsupported" in edited) return this.refuseUnsupported(event, edited, effects);
      await this.deps.blogs.editPost(person, asPostId(target.id), markdownToPost(edited.body), options);
    }
  }

  private async onReaction(event: RoomEvent, person: Person, options: WriteOptions): Promise<void> {
    const relation = parseRelation(event.content);
    if (relation.type !== "annotation") return;
    const target = (await this.deps.mapping.byEvent(relation.target))?.ref;
    if (target?.kind !== "post" && target?.kind !== "comment") return;
    await this.deps.reactions.add(person, { kind: target.kind, id: asReactionTargetId(target.id) }, relation.key, options);
  }

  /**
   * A redaction the homeserver accepted, applied when it is the author's (a comment, a post, a
   * reaction) or the blog owner's: only the owner's own Matrix ID counts as the owner, whoever
   * else has the power to redact in the room.
   */
  private async onRedaction(event: RoomEvent, owner: PersonId, person: Person, options: WriteOptions): Promise<void> {
    if (!event.redacts) return;
    const target = (await this.deps.mapping.byEvent(event.redacts))?.ref;
    if (!target) return;
    const actor = people.id(person);
    switch (target.kind) {
      case "comment": {
        const comment = await this.deps.commentRecords.get(asCommentId(target.id));
        if (!comment || comment.deleted) return;
        if (actor !== comment.author && actor !== owner) return this.ignoreRedaction(event, target);
        // By its author, or moderation by the owner: the service tells which, for the tombstone.
        await this.deps.comments.deleteComment(person, comment.id, options);
        return;
      }
      case "post":
        if (actor !== owner) return this.ignoreRedaction(event, target);
        await this.deps.blogs.deletePost(person, asPostId(target.id), options);
        return;
      case "reaction": {
        const reaction = blogReactionOf(target.id, actor) ?? (actor === owner ? blogReactionOf(target.id) : undefined);
        if (!reaction) return this.ignoreRedaction(event, target);
        await this.deps.reactions.remove(people.fromId(reaction.by), reaction.target, reaction.key, options);
        return;
      }
      default:
        return;
    }
  }

  private ignoreRedaction(event: RoomEvent, target: PlatformRef): void {
    this.log.info({ roomId: event.roomId, eventId: event.eventId, targetKind: target.kind }, "ignoring a redaction by someone who is neither the author nor the blog's owner");
  }

  /** The ID of a mapped object of `kind`, if the link is one. */
  private idOf(link: { ref: PlatformRef } | undefined, kind: "post" | "comment"): string | undefined {
    return link?.ref.kind === kind ? link.ref.id : undefined;
  }

  /** Someone else's message in the main timeline: taken back by the bot, with a status and a notice saying where to write. */
  private refuseTopLevel(event: RoomEvent, effects: EffectSink): void {
    this.refuse(event, "no_permission", TOP_LEVEL_REFUSAL, effects);
    effects.send({ op: "redact", sender: this.deps.botUserId, roomId: event.roomId, target: { eventId: event.eventId }, reason: "Only the blog's owner posts here; reply in a post's thread to comment." });
  }

  private refuseUnsupported(event: RoomEvent, imported: Extract<ImportedMessage, { unsupported: string }>, effects: EffectSink): void {
    if (imported.unsupported === "too long") return this.refuse(event, "invalid", "the message is longer than Mirage takes", effects);
    return this.refuse(event, "unsupported", `this kind of message (${imported.unsupported}) is not carried to Mirage`, effects);
  }

  private refuse(event: RoomEvent, reason: DeliveryFailureReason, message: string, effects: EffectSink): void {
    for (const op of deliveryFailure(event, this.deps.botUserId, reason, message)) effects.send(op);
    this.deps.onRefused?.(reason);
  }
}
