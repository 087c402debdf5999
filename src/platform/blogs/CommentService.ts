import { randomBytes } from "node:crypto";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { DomainEvent, DomainEventBus, PublishedEvent, WriteOptions } from "../events/DomainEvent.js";
import { withRef } from "../events/withRef.js";
import type { Person, PersonId } from "../people/Person.js";
import { people } from "../people/people.js";
import type { GhostAccounts } from "../ports/GhostAccounts.js";
import type { CommentPurge } from "../ports/CommentPurge.js";
import type { MarkdownRenderer } from "../ports/MarkdownRenderer.js";
import type { ReactionRepository } from "../reactions/Reaction.js";
import { reactionSummaries } from "../reactions/reactionSummaries.js";
import type { BlogRepository } from "./Blog.js";
import { asCommentId, type CommentId, type PostId } from "../ids.js";
import { COMMENT_PARTICIPANTS_KEPT, type Comment, type CommentDeleter, type CommentRepository, type CommentView } from "./Comment.js";
import { BLOG_LIMITS, checkText } from "./contentRules.js";
import { postReaders, postVisibleTo, type Post, type PostRepository } from "./Post.js";

export interface CommentServiceDeps {
  blogs: Pick<BlogRepository, "get">;
  posts: Pick<PostRepository, "get">;
  comments: CommentRepository;
  reactions: Pick<ReactionRepository, "countsMany" | "keysByMany">;
  renderer: MarkdownRenderer;
  events: DomainEventBus;
  /** Ghosts' Matrix IDs to their accounts, so a ghost comments as its account. */
  ghosts?: GhostAccounts;
  /** Deletes every copy of an expiring comment. */
  purge: CommentPurge;
  now?: () => number;
}

export interface CommentInput {
  body: string;
  /** A comment of the same post to reply to. */
  parentId?: CommentId;
}

const notFound = (what: string) => new MirageError(ErrorCodes.notFound, `${what} not found`);
const newCommentId = () => asCommentId(`c_${randomBytes(12).toString("base64url")}`);

/**
 * Threaded comments on posts. Whoever may see a post may read its comments and, unless the
 * post's comments are closed or the blog's owner has blocked them, write there (so only the
 * owner comments on a draft). A comment's author edits it; its author or the blog's owner
 * (moderating) deletes it. A deleted comment with replies stays in the thread as a tombstone
 * (`deleted: true`, no content, `deletedBy`); editing a tombstone is a conflict, deleting it
 * again changes nothing (as for chat messages).
 */
export class CommentService {
  private readonly now: () => number;

  constructor(private readonly deps: CommentServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async listComments(postId: PostId, readerPerson: Person | undefined, page: { cursor?: string; limit: number }): Promise<{ comments: CommentView[]; next?: string }> {
    const reader = readerPerson === undefined ? undefined : this.idOf(readerPerson);
    await this.visiblePost(postId, reader);
    const found = await this.deps.comments.thread(postId, { limit: page.limit, ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) });
    return { comments: await this.views(found.comments, reader), ...(found.next !== undefined ? { next: found.next } : {}) };
  }

  /** A comment (or its tombstone) as `readerPerson` sees it; NOT_FOUND when it is gone or its post is hidden from them. */
  async getComment(id: CommentId, readerPerson: Person | undefined): Promise<CommentView> {
    const reader = readerPerson === undefined ? undefined : this.idOf(readerPerson);
    const comment = await this.deps.comments.get(id);
    if (!comment) throw notFound("comment");
    const post = await this.deps.posts.get(comment.postId);
    if (!post || !postVisibleTo(post, reader)) throw notFound("comment");
    return (await this.views([comment], reader))[0]!;
  }

  async addComment(person: Person, postId: PostId, input: CommentInput, options: WriteOptions = {}): Promise<CommentView> {
    const actor = this.idOf(person);
    const post = await this.visiblePost(postId, actor);
    if (post.commentsOpen === false) throw new MirageError(ErrorCodes.forbidden, "comments are closed on this post");
    await this.refuseBlocked(actor, post);
    const body = checkText(input.body, "comment", BLOG_LIMITS.commentBodyChars);
    let depth = 0;
    if (input.parentId !== undefined) {
      const parent = await this.deps.comments.get(input.parentId);
      if (!parent || parent.postId !== postId || parent.deleted) {
        throw new MirageError(ErrorCodes.invalidInput, "parentId must be a comment on the same post that is not deleted");
      }
      depth = parent.depth + 1;
      if (depth > BLOG_LIMITS.commentDepth) throw new MirageError(ErrorCodes.invalidInput, `replies nest at most ${BLOG_LIMITS.commentDepth} deep; reply higher up`);
    }
    const comment: Comment = {
      id: newCommentId(),
      postId,
      author: actor,
      ...(input.parentId !== undefined ? { parentId: input.parentId } : {}),
      depth,
      body,
      html: await this.deps.renderer.toWebHtml(body),
      createdAt: this.now(),
      deleted: false,
    };
    const events = [
      this.record({ type: "comment.created", postId, commentId: comment.id, by: actor }, await this.audience(post, actor), withRef(options, { kind: "comment", id: comment.id })),
    ];
    await this.deps.comments.create(comment, events);
    this.deps.events.publish(events);
    return (await this.views([comment], actor))[0]!;
  }

  async editComment(person: Person, id: CommentId, rawBody: string, options: WriteOptions = {}): Promise<CommentView> {
    const actor = this.idOf(person);
    const { comment, post } = await this.visibleComment(actor, id);
    if (comment.author !== actor) throw new MirageError(ErrorCodes.forbidden, "only the author may edit a comment");
    if (comment.deleted) throw new MirageError(ErrorCodes.conflict, "a deleted comment cannot be edited");
    await this.refuseBlocked(actor, post);
    const body = checkText(rawBody, "comment", BLOG_LIMITS.commentBodyChars);
    const edited: Comment = { ...comment, body, html: await this.deps.renderer.toWebHtml(body), editedAt: this.now() };
    const events = [this.record({ type: "comment.edited", postId: post.id, commentId: id, by: actor }, await this.audience(post), options)];
    await this.deps.comments.update(edited, events);
    this.deps.events.publish(events);
    return (await this.views([edited], actor))[0]!;
  }

  /** By its author, or by the blog's owner moderating (the tombstone says which). */
  async deleteComment(person: Person, id: CommentId, options: WriteOptions = {}): Promise<void> {
    const actor = this.idOf(person);
    const { comment, post } = await this.visibleComment(actor, id);
    let by: CommentDeleter;
    if (comment.author === actor) by = "author";
    else if (post.blog === actor) by = "blogOwner";
    else throw new MirageError(ErrorCodes.forbidden, "only the author or the blog's owner may delete a comment");
    // Already deleted (now or by a concurrent request): the outcome is the same, and that delete journaled the event.
    if (comment.deleted) return;
    const events = [this.record({ type: "comment.deleted", postId: post.id, commentId: id, by: actor }, await this.audience(post), options)];
    if (await this.deps.comments.remove(id, this.now(), by, events)) this.deps.events.publish(events);
  }

  /**
   * Expires a comment (its blog's comment timer): deletes every stored copy of it and of the
   * reactions on it (see {@link CommentPurge}), journals `comment.expired` in the same batch so its
   * readers hear of it and the blog relay redacts it in Matrix, then asks for compaction. Not a
   * person's act: the caller decides it is due. Resolves false when there is no such comment.
   */
  async expire(id: CommentId): Promise<boolean> {
    const purge = this.deps.purge;
    const comment = await this.deps.comments.get(id);
    if (!comment) return false;
    const post = await this.deps.posts.get(comment.postId);
    const audience = post ? await this.audience(post) : [];
    let events: PublishedEvent[] = [];
    const purged = await purge.purge(id, ({ matrixEventIds }) => {
      events = [this.record({ type: "comment.expired", postId: comment.postId, commentId: id, by: comment.author, matrixEventIds }, audience)];
      return events;
    });
    if (!purged) return false;
    this.deps.events.publish(events);
    // Compaction runs in the background; its failure leaves the data deleted, only not yet out of the files.
    purge.compact().catch(() => undefined);
    return true;
  }

  /** The acting or reading person's stored spelling, a ghost being its account. */
  private idOf(person: Person): PersonId {
    return people.id(people.canonical(person, this.deps.ghosts));
  }

  private async visiblePost(postId: PostId, reader: PersonId | undefined): Promise<Post> {
    const post = await this.deps.posts.get(postId);
    if (!post || !postVisibleTo(post, reader)) throw notFound("post");
    return post;
  }

  /** A comment (or its tombstone) on a post `actor` can see. */
  private async visibleComment(actor: PersonId, id: CommentId): Promise<{ comment: Comment; post: Post }> {
    const comment = await this.deps.comments.get(id);
    if (!comment) throw notFound("comment");
    const post = await this.deps.posts.get(comment.postId);
    if (!post || !postVisibleTo(post, actor)) throw notFound("comment");
    return { comment, post };
  }

  private async refuseBlocked(actor: PersonId, post: Post): Promise<void> {
    if (actor === post.blog) return;
    const blog = await this.deps.blogs.get(post.blog);
    if (blog?.blockedCommenters?.includes(actor)) throw new MirageError(ErrorCodes.forbidden, "the blog's owner does not take comments from you");
  }

  /** Tombstones carry no reactions: what was said and how people reacted to it both go. */
  private async views(comments: Comment[], reader: PersonId | undefined): Promise<CommentView[]> {
    const live = comments.filter((comment) => !comment.deleted);
    const summaries = await reactionSummaries(this.deps.reactions, live.map((comment) => ({ kind: "comment" as const, id: comment.id })), reader);
    const byId = new Map(live.map((comment, i) => [comment.id, summaries[i]!]));
    return comments.map((comment) => ({ ...comment, ...(byId.get(comment.id) ?? { reactions: {}, myReactions: [] }) }));
  }

  /**
   * The post's author and everyone who has commented on it, as far as they may read the post now;
   * with `newCommenter`, computed before their comment is written, as the repository will count them.
   */
  private async audience(post: Post, newCommenter?: PersonId): Promise<PersonId[]> {
    const { participants } = await this.deps.comments.stats(post.id);
    const joins = newCommenter !== undefined && !participants.includes(newCommenter) && participants.length < COMMENT_PARTICIPANTS_KEPT;
    return postReaders(post, [post.author, ...participants, ...(joins ? [newCommenter] : [])]);
  }

  private record(event: DomainEvent, audience: readonly string[], options: WriteOptions = {}): PublishedEvent {
    const published: PublishedEvent = { event, audience: [...new Set(audience)].filter((id) => !people.isMatrixId(id)), at: this.now() };
    return options.origin ? { ...published, origin: options.origin } : published;
  }
}
