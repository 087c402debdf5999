import type { Logger } from "../log/createLogger.js";
import type { AccountRepository } from "../platform/accounts/Account.js";
import type { BlogView } from "../platform/blogs/Blog.js";
import type { CommentRepository } from "../platform/blogs/Comment.js";
import type { Post, PostRepository } from "../platform/blogs/Post.js";
import { isMirageError, ErrorCodes } from "../platform/errors/MirageError.js";
import type { DomainEvent } from "../platform/events/DomainEvent.js";
import { asCommentId, asPostId, asReactionTargetId } from "../platform/ids.js";
import type { JournalHandler } from "../platform/journal/JournalConsumer.js";
import type { PersonId } from "../platform/people/Person.js";
import { people } from "../platform/people/people.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import type { JournalEntry } from "../platform/ports/Journal.js";
import type { MarkdownRenderer } from "../platform/ports/MarkdownRenderer.js";
import type { Outbox, OutboxEntryInput } from "../platform/ports/Outbox.js";
import { reactionRefId } from "../platform/reactions/reactionRefId.js";
import { blogRoomCreation, blogRoomReceipt, blogVoice, type BlogRoomSettings } from "./blogRoomCreation.js";
import type { BridgeNames } from "./bridgeNames.js";
import { commentToMatrix } from "./convert/commentToMatrix.js";
import { postToMatrix, postUrl } from "./convert/postToMatrix.js";
import { imageRedactions } from "./convert/imageRefs.js";
import { imageSends } from "./convert/imageSends.js";
import { GhostProvisioner } from "./GhostProvisioner.js";
import { latestCommentBefore } from "./latestCommentBefore.js";

export interface BlogRelayDeps {
  /** A blog as readers see it; NOT_FOUND when the owner has none (see `BlogService.getBlog`). */
  blogs: { getBlog(owner: string): Promise<BlogView> };
  posts: Pick<PostRepository, "get">;
  comments: Pick<CommentRepository, "get" | "thread">;
  accounts: Pick<AccountRepository, "get">;
  mapping: IdMapping;
  outbox: Outbox;
  renderer: MarkdownRenderer;
  names: BridgeNames;
  room: BlogRoomSettings;
  /** Public base URL of the web side, for links to posts. */
  publicUrl: string;
  logger: Logger;
  /** Told after operations were queued, so the outbox sends them. */
  onQueued(): void;
  /** Images by URL sent as `m.image` after a post's or a new comment's text (default 0: none). */
  maxImages?: number;
  now?: () => number;
}

/** Name of the blog relay's journal cursor and of its outbox receipts. */
export const BLOG_RELAY_CONSUMER = "blog-bridge";

type PostEvent = Extract<DomainEvent, { type: "post.created" | "post.edited" | "post.deleted" }>;
type CommentEvent = Extract<DomainEvent, { type: "comment.created" | "comment.edited" | "comment.deleted" }>;
type ReactionEvent = Extract<DomainEvent, { type: "reaction.added" | "reaction.removed" }>;

/**
 * Platform → Matrix for blogs: reads the domain journal and queues what makes a blog's Matrix room
 * show it — the room itself on first need (a post published, the blog's settings changed), its
 * name and topic, posts as events (edits as `m.replace`, deletion and unpublishing as
 * redactions), web comments as replies in the post's thread, reactions to posts and comments as
 * annotations. Drafts, and what is said about them, never reach Matrix. Changes imported from Matrix (with an origin) are never
 * sent back. The operations of one entry are queued with a receipt in one batch, so an entry
 * handled again after a crash queues nothing; a room's creation is queued on its own with the
 * receipt `blog-room:<owner>` (creation is idempotent, so asking twice is harmless).
 */
export class BlogRelay implements JournalHandler {
  readonly name = BLOG_RELAY_CONSUMER;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly ghosts: GhostProvisioner;
  /** Blog rooms asked for in this run; a restart may ask again, which creation tolerates. */
  private readonly roomsRequested = new Set<string>();
  /** Ghosts' joins of blog rooms known to be queued (durably: by their receipts). */
  private readonly joined = new Set<string>();

  constructor(private readonly deps: BlogRelayDeps) {
    this.log = deps.logger.child({ component: "blog-relay" });
    this.now = deps.now ?? Date.now;
    this.ghosts = new GhostProvisioner({ accounts: deps.accounts, outbox: deps.outbox, names: deps.names, now: this.now });
  }

  async handle(entry: JournalEntry): Promise<void> {
    if (entry.origin) return;
    const receipt = `${BLOG_RELAY_CONSUMER}:${entry.position}`;
    if (await this.deps.outbox.hasReceipt(receipt)) return;
    const ops = await this.operationsFor(entry.event);
    // Nothing to queue, nothing to repeat: no receipt either.
    if (ops.length === 0) return;
    await this.ghosts.before(ops);
    await this.deps.outbox.enqueue(ops, this.now(), receipt);
    this.deps.onQueued();
  }

  /** The operations that show `event` in a blog room (none for what is not bridged); may first queue the room's creation. */
  async operationsFor(event: DomainEvent): Promise<OutboxEntryInput[]> {
    switch (event.type) {
      case "blog.updated":
        return this.blogOps(event);
      case "post.created":
      case "post.edited":
      case "post.deleted":
        return this.postOps(event);
      case "comment.created":
      case "comment.edited":
      case "comment.deleted":
        return this.commentOps(event);
      case "comment.expired":
        return this.expiredCommentOps(event);
      case "reaction.added":
      case "reaction.removed":
        return event.target.kind === "message" ? [] : this.reactionOps(event);
      default:
        return [];
    }
  }

  /** New settings: the room is created with them, or its name and topic follow. */
  private async blogOps(event: Extract<DomainEvent, { type: "blog.updated" }>): Promise<OutboxEntryInput[]> {
    const owner = event.blog as PersonId;
    if (await this.requestRoom(owner)) return [];
    const wanted = { title: event.fields.includes("title"), description: event.fields.includes("description") };
    if (!wanted.title && !wanted.description) return [];
    const blog = await this.blogOf(owner);
    if (!blog) return [];
    const sender = blogVoice(owner, this.deps.names, this.deps.room.botUserId);
    const room = { kind: "blog" as const, id: owner };
    const ops: OutboxEntryInput[] = [];
    if (wanted.title) ops.push({ op: "state", sender, room, eventType: "m.room.name", stateKey: "", content: { name: blog.title.slice(0, 255) } });
    if (wanted.description) ops.push({ op: "state", sender, room, eventType: "m.room.topic", stateKey: "", content: { topic: blog.description.slice(0, 1000) } });
    return ops;
  }

  /**
   * A post as its event: sent when published (created published, or an edit that published it:
   * a new event, linked to the post again), replaced by an edit, redacted when deleted or
   * unpublished. The event names what the change did to the post's publication, so a relay that
   * runs behind sends each step in order; the content is the post as it is now.
   */
  private async postOps(event: PostEvent): Promise<OutboxEntryInput[]> {
    const post = await this.deps.posts.get(asPostId(event.postId));
    if (!post) return [];
    const live = !post.deleted && post.published;
    if (event.type === "post.deleted" || (event.type === "post.edited" && event.published === false)) return this.redactPost(post);
    if (!live || (event.type === "post.created" && event.published === false)) return [];
    if (event.type === "post.created" || event.published === true) {
      const send = await this.postSend(post);
      // A post published again sends its images again: new events, linked to the same image references.
      return this.inBlogRoom(post.blog, [send, ...imageSends(post.body, { sender: send.sender, room: send.room!, owner: { kind: "post", id: post.id } }, this.deps.maxImages ?? 0)]);
    }
    return this.inBlogRoom(post.blog, await this.postEdit(post));
  }

  /**
   * An edit of a published post: `m.replace` of its event, resolved when sent (its send may still
   * be queued). An event someone else sent (the owner's own message, imported as the post) cannot
   * be replaced by Mirage: it is redacted and the post sent again.
   */
  private async postEdit(post: Post): Promise<OutboxEntryInput[]> {
    const ref = { kind: "post" as const, id: post.id };
    const current = await this.deps.mapping.toMatrix(ref);
    const send = await this.postSend(post);
    const link = current?.eventId === undefined ? undefined : await this.deps.mapping.byEvent(current.eventId);
    if (link?.origin === "matrix") return [{ op: "redact", sender: this.deps.room.botUserId, room: send.room!, target: ref }, send];
    const { ref: _ref, ...edit } = send;
    return [{ ...edit, relation: { type: "edit", target: ref } }];
  }

  private async postSend(post: Post): Promise<OutboxEntryInput & { op: "send" }> {
    const url = postUrl(this.deps.publicUrl, post.blog, post.slug);
    const content = postToMatrix(post, await this.deps.renderer.toMatrixHtml(post.body), url);
    const sender = blogVoice(post.blog, this.deps.names, this.deps.room.botUserId);
    return { op: "send", sender, room: { kind: "blog", id: post.blog }, eventType: "m.room.message", content, ref: { kind: "post", id: post.id } };
  }

  /**
   * The redaction of a post's event, by the owner's voice (which has the power to redact any
   * event in the room). None when the blog has no room, nor one on its way: nothing was sent.
   */
  private async redactPost(post: Post): Promise<OutboxEntryInput[]> {
    if (!(await this.roomKnown(post.blog))) return [];
    const sender = blogVoice(post.blog, this.deps.names, this.deps.room.botUserId);
    const room = { kind: "blog" as const, id: post.blog };
    return [{ op: "redact", sender, room, target: { kind: "post", id: post.id } }, ...imageRedactions({ kind: "post", id: post.id }, { sender, room }, this.deps.maxImages ?? 0)];
  }

  /**
   * A web comment as a reply in its post's thread, from the commenter's ghost: a top-level
   * comment falls back to the thread's latest live comment before it, a reply answers its parent
   * in-thread. Its edit is an `m.replace`; its deletion a redaction by its author's ghost, or for
   * the owner's moderation by the owner's voice. Nothing for comments on posts not published.
   */
  /**
   * An expired comment's events (its links went with it: named by event ID), redacted by the blog's
   * voice, which may redact anyone's events in its room.
   */
  private async expiredCommentOps(event: Extract<DomainEvent, { type: "comment.expired" }>): Promise<OutboxEntryInput[]> {
    if (event.matrixEventIds.length === 0) return [];
    const post = await this.deps.posts.get(asPostId(event.postId));
    if (!post) return [];
    const sender = blogVoice(post.blog, this.deps.names, this.deps.room.botUserId);
    const room = { kind: "blog" as const, id: post.blog };
    return event.matrixEventIds.map((eventId) => ({ op: "redact" as const, sender, room, target: { eventId }, reason: "comment expired" }));
  }

  private async commentOps(event: CommentEvent): Promise<OutboxEntryInput[]> {
    const comment = await this.deps.comments.get(asCommentId(event.commentId));
    const post = comment && (await this.deps.posts.get(comment.postId));
    if (!comment || !post) return [];
    const room = { kind: "blog" as const, id: post.blog };
    const ref = { kind: "comment" as const, id: comment.id };
    if (event.type === "comment.deleted") {
      if (!(await this.roomKnown(post.blog))) return [];
      const sender = comment.deletedBy === "blogOwner" || people.isMatrixId(comment.author) ? blogVoice(post.blog, this.deps.names, this.deps.room.botUserId) : this.deps.names.ghost(comment.author);
      // A comment from Matrix had no images sent after it.
      const images = people.isMatrixId(comment.author) ? [] : imageRedactions(ref, { sender, room }, this.deps.maxImages ?? 0);
      return [{ op: "redact", sender, room, target: ref }, ...images];
    }
    if (comment.deleted || post.deleted || !post.published || people.isMatrixId(comment.author)) return [];
    const parent = comment.parentId === undefined ? undefined : await this.deps.comments.get(comment.parentId);
    const repliesTo = parent && parent.author !== comment.author ? this.deps.names.matrixUser(parent.author) : undefined;
    const content = commentToMatrix(comment, await this.deps.renderer.toMatrixHtml(comment.body), repliesTo);
    const send = { op: "send" as const, sender: this.deps.names.ghost(comment.author), room, eventType: "m.room.message", content };
    if (event.type === "comment.edited") return this.inBlogRoom(post.blog, [{ ...send, relation: { type: "edit", target: ref } }]);
    const root = { kind: "post" as const, id: post.id };
    // The comment's images follow it in the thread.
    const images = imageSends(comment.body, { sender: send.sender, room, owner: ref, relation: { type: "thread", root, latest: ref } }, this.deps.maxImages ?? 0);
    if (comment.parentId !== undefined) {
      return this.inBlogRoom(post.blog, [{ ...send, ref, relation: { type: "thread", root, replyTo: { kind: "comment", id: comment.parentId } } }, ...images]);
    }
    const latest = await latestCommentBefore(this.deps.comments, comment);
    return this.inBlogRoom(post.blog, [{ ...send, ref, relation: { type: "thread", root, ...(latest ? { latest: { kind: "comment" as const, id: latest } } : {}) } }, ...images]);
  }

  /**
   * A web reaction to a post or comment as an annotation from the reactor's ghost, named by the
   * reaction's ID so that taking it back redacts it. Nothing for what is not shown in Matrix.
   */
  private async reactionOps(event: ReactionEvent): Promise<OutboxEntryInput[]> {
    if (people.isMatrixId(event.by)) return [];
    const comment = event.target.kind === "comment" ? await this.deps.comments.get(asCommentId(event.target.id)) : undefined;
    const post = await this.deps.posts.get(asPostId(comment ? comment.postId : event.target.id));
    if (!post || (event.target.kind === "comment" && !comment)) return [];
    const sender = this.deps.names.ghost(event.by);
    const room = { kind: "blog" as const, id: post.blog };
    const target = { kind: event.target.kind === "comment" ? ("comment" as const) : ("post" as const), id: event.target.id };
    const ref = { kind: "reaction" as const, id: reactionRefId({ kind: target.kind, id: asReactionTargetId(target.id) }, event.by, event.key) };
    if (event.type === "reaction.removed") return (await this.roomKnown(post.blog)) ? [{ op: "redact", sender, room, target: ref }] : [];
    if (post.deleted || !post.published || comment?.deleted) return [];
    return this.inBlogRoom(post.blog, [{ op: "send", sender, room, eventType: "m.reaction", content: {}, ref, relation: { type: "reaction", target, key: event.key } }]);
  }

  /**
   * `ops` in the blog's room, whose creation is queued first when it has none yet, and before
   * them the join of each ghost that sends and is not in the room yet.
   */
  private async inBlogRoom(owner: PersonId, ops: OutboxEntryInput[]): Promise<OutboxEntryInput[]> {
    if (ops.length === 0) return ops;
    await this.requestRoom(owner);
    const voice = blogVoice(owner, this.deps.names, this.deps.room.botUserId);
    for (const sender of new Set(ops.filter((op) => op.op === "send").map((op) => op.sender))) {
      if (sender !== voice && sender !== this.deps.room.botUserId) await this.joinFirst(owner, sender);
    }
    return ops;
  }

  /**
   * Queues a ghost's join of a blog room (public: no invite needed) once per room, with the receipt
   * `blog-member:<owner>:<ghost>`, its profile before it when it first appears in Matrix.
   */
  private async joinFirst(owner: PersonId, ghost: string): Promise<void> {
    const receipt = `blog-member:${owner}:${ghost}`;
    if (this.joined.has(receipt)) return;
    if (!(await this.deps.outbox.hasReceipt(receipt))) {
      const join: OutboxEntryInput[] = [{ op: "membership", action: "join", sender: ghost, room: { kind: "blog", id: owner } }];
      await this.ghosts.before(join);
      await this.deps.outbox.enqueue(join, this.now(), receipt);
    }
    this.joined.add(receipt);
  }

  /**
   * Queues the creation of the blog's room unless it exists or was asked for in this run;
   * resolves true when it queued it (with the blog's current settings).
   */
  private async requestRoom(owner: PersonId): Promise<boolean> {
    if (this.roomsRequested.has(owner)) return false;
    if (await this.deps.mapping.toMatrix({ kind: "blog", id: owner })) return false;
    const blog = await this.blogOf(owner);
    if (!blog) return false;
    const ops = blogRoomCreation({ owner, title: blog.title, description: blog.description }, this.deps.names, this.deps.room);
    await this.ghosts.before(ops);
    await this.deps.outbox.enqueue(ops, this.now(), blogRoomReceipt(owner));
    this.roomsRequested.add(owner);
    this.deps.onQueued();
    this.log.info({ owner }, "creating blog room");
    return true;
  }

  /** Whether the blog's room exists or its creation was queued (durably: by its receipt). */
  private async roomKnown(owner: PersonId): Promise<boolean> {
    return (
      this.roomsRequested.has(owner) ||
      (await this.deps.mapping.toMatrix({ kind: "blog", id: owner })) !== undefined ||
      (await this.deps.outbox.hasReceipt(blogRoomReceipt(owner)))
    );
  }

  private async blogOf(owner: PersonId): Promise<BlogView | undefined> {
    try {
      return await this.deps.blogs.getBlog(owner);
    } catch (error) {
      if (isMirageError(error) && error.code === ErrorCodes.notFound) return undefined;
      throw error;
    }
  }
}
