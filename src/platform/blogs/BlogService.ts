import { randomBytes } from "node:crypto";
import type { AccountRepository } from "../accounts/Account.js";
import { ErrorCodes, isMirageError, MirageError } from "../errors/MirageError.js";
import type { DomainEvent, DomainEventBus, PublishedEvent, WriteOptions } from "../events/DomainEvent.js";
import type { GhostAccounts } from "../ports/GhostAccounts.js";
import type { MarkdownRenderer } from "../ports/MarkdownRenderer.js";
import type { MatrixProfiles } from "../ports/MatrixProfiles.js";
import type { Person, PersonId } from "../people/Person.js";
import { people } from "../people/people.js";
import type { ReactionRepository } from "../reactions/Reaction.js";
import { reactionSummaries } from "../reactions/reactionSummaries.js";
import type { Blog, BlogRepository, BlogView } from "./Blog.js";
import { asPostId, type PostId } from "../ids.js";
import type { CommentRepository } from "./Comment.js";
import { BLOG_LIMITS, checkLine, checkText, normalizeTags } from "./contentRules.js";
import { postReaders, postVisibleTo, type Post, type PostRepository, type PostView } from "./Post.js";
import { checkSlug, freeSlug, slugify } from "./slugify.js";
import { withRef } from "../events/withRef.js";

export interface BlogServiceDeps {
  accounts: Pick<AccountRepository, "get">;
  blogs: BlogRepository;
  posts: PostRepository;
  comments: Pick<CommentRepository, "stats" | "statsMany">;
  reactions: Pick<ReactionRepository, "countsMany" | "keysByMany">;
  renderer: MarkdownRenderer;
  events: DomainEventBus;
  /** Ghosts' Matrix IDs to their accounts, so `@mirage_alice:hs` and `alice` share a blog. */
  ghosts?: GhostAccounts;
  /** Matrix owners' display names, the default title of their blogs. */
  matrixProfiles?: Pick<MatrixProfiles, "get">;
  now?: () => number;
}

export interface PostInput {
  title: string;
  body: string;
  tags?: string[];
  /** Default true; false makes a draft. */
  published?: boolean;
  /** Default: from the title, made unique with -2, -3, … */
  slug?: string;
  /** Default true; false closes the post to new comments. */
  commentsOpen?: boolean;
}

/** Fields to change; a title change keeps the slug unless a new slug is given. */
export type PostPatch = Partial<PostInput>;

export interface BlogPatch {
  title?: string;
  description?: string;
  /** Replaces the list of people who may not comment (handles as `parseHandle` takes them). */
  blockedCommenters?: string[];
}

/** Most people a blog's owner can block from commenting. */
export const MAX_BLOCKED_COMMENTERS = 1000;

const notFound = (what: string) => new MirageError(ErrorCodes.notFound, `${what} not found`);
const newPostId = () => asPostId(`p_${randomBytes(12).toString("base64url")}`);

/**
 * Blogs and their posts. Anyone may read published posts; drafts are the owner's alone (others
 * get NOT_FOUND). Only the owner posts in a blog; only a post's author edits or deletes it.
 * `actor` and `reader` are people: a signed-in Mirage account, or a Matrix user through the
 * bridge (a ghost being its account).
 */
export class BlogService {
  private readonly now: () => number;

  constructor(private readonly deps: BlogServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A blog's settings and counts; NOT_FOUND for an owner who has no blog. */
  async getBlog(rawOwner: string, reader?: Person): Promise<BlogView> {
    return this.blogView(rawOwner, this.idOf(reader));
  }

  private async blogView(rawOwner: string, reader: PersonId | undefined): Promise<BlogView> {
    const ownerPerson = people.resolve(rawOwner, this.deps.ghosts);
    const owner = people.id(ownerPerson);
    const [blog, stats, account] = await Promise.all([
      this.deps.blogs.get(owner),
      this.deps.posts.stats(owner),
      ownerPerson.kind === "account" ? this.deps.accounts.get(ownerPerson.name) : undefined,
    ]);
    const exists = ownerPerson.kind === "matrix" ? blog !== undefined || stats !== undefined : account !== undefined;
    if (!exists) throw notFound("blog");
    return {
      owner,
      title: blog?.title ?? account?.displayName ?? (await this.matrixDisplayName(ownerPerson)) ?? owner,
      description: blog?.description ?? "",
      postCount: stats?.published ?? 0,
      ...(reader === owner ? { draftCount: stats?.drafts ?? 0, blockedCommenters: blog?.blockedCommenters ?? [] } : {}),
    };
  }

  private async matrixDisplayName(person: Person): Promise<string | undefined> {
    if (person.kind !== "matrix" || !this.deps.matrixProfiles) return undefined;
    return (await this.deps.matrixProfiles.get([person.userId])).get(person.userId)?.displayName;
  }

  async updateBlog(actor: Person, rawOwner: string, patch: BlogPatch, options: WriteOptions = {}): Promise<BlogView> {
    const owner = await this.ownBlog(actor, rawOwner);
    const current = await this.deps.blogs.get(owner);
    const blog: Blog = { owner, description: current?.description ?? "", updatedAt: this.now() };
    const title = patch.title !== undefined ? checkLine(patch.title, "title", BLOG_LIMITS.titleChars) : current?.title;
    if (title !== undefined) blog.title = title;
    if (patch.description !== undefined) blog.description = checkText(patch.description, "description", BLOG_LIMITS.descriptionChars, true).trim();
    const blocked = patch.blockedCommenters !== undefined ? this.blockList(owner, patch.blockedCommenters) : current?.blockedCommenters;
    if (blocked !== undefined && blocked.length > 0) blog.blockedCommenters = blocked;
    const fields = (["title", "description", "blockedCommenters"] as const).filter((field) => patch[field] !== undefined);
    const events = [this.record({ type: "blog.updated", blog: owner, fields: [...fields], by: owner }, [owner], options)];
    await this.deps.blogs.put(blog, events);
    this.deps.events.publish(events);
    return this.blogView(owner, owner);
  }

  /** Newest first (by first publication); the owner also sees drafts. */
  async listPosts(rawOwner: string, readerPerson: Person | undefined, page: { cursor?: string; limit: number }): Promise<{ posts: PostView[]; next?: string }> {
    const reader = this.idOf(readerPerson);
    const blog = await this.getBlog(rawOwner);
    const found = await this.deps.posts.list(blog.owner, { includeDrafts: reader === blog.owner, limit: page.limit, ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) });
    return { posts: await this.views(found.posts, reader), ...(found.next !== undefined ? { next: found.next } : {}) };
  }

  /** Published posts of every blog, newest first (by first publication): what the instance's front page lists. */
  async listRecentPosts(readerPerson: Person | undefined, page: { cursor?: string; limit: number }): Promise<{ posts: PostView[]; next?: string }> {
    const found = await this.deps.posts.listPublished({ limit: page.limit, ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) });
    return { posts: await this.views(found.posts, this.idOf(readerPerson)), ...(found.next !== undefined ? { next: found.next } : {}) };
  }

  async createPost(actor: Person, rawOwner: string, input: PostInput, options: WriteOptions = {}): Promise<PostView> {
    const owner = await this.ownBlog(actor, rawOwner);
    const now = this.now();
    const body = checkText(input.body, "body", BLOG_LIMITS.postBodyChars);
    const published = input.published ?? true;
    const post: Post = {
      id: newPostId(),
      blog: owner,
      author: owner,
      title: checkLine(input.title, "title", BLOG_LIMITS.titleChars),
      slug: "",
      body,
      html: await this.deps.renderer.toWebHtml(body),
      tags: normalizeTags(input.tags ?? []),
      published,
      commentsOpen: input.commentsOpen ?? true,
      createdAt: now,
      updatedAt: now,
      ...(published ? { publishedAt: now } : {}),
      deleted: false,
    };
    const events = [this.record({ type: "post.created", blog: owner, postId: post.id, by: owner, ...(published ? {} : { published: false as const }) }, [owner], withRef(options, { kind: "post", id: post.id }))];
    const stored = input.slug !== undefined ? await this.insert({ ...post, slug: checkSlug(input.slug) }, events) : await this.insertWithFreeSlug(post, events);
    this.deps.events.publish(events);
    return (await this.views([stored], owner))[0]!;
  }

  /**
   * The HTML a post's or comment's body renders to on the web, exactly as `createPost` and
   * `CommentService.addComment` store it; stores nothing. Checked as a post body (the larger
   * limit) except that it may be blank; rejects as `MarkdownRenderer` does.
   */
  async previewBody(rawBody: string): Promise<string> {
    const body = checkText(rawBody, "body", BLOG_LIMITS.postBodyChars, true);
    return body.trim() === "" ? "" : this.deps.renderer.toWebHtml(body);
  }

  async getPost(id: PostId, readerPerson: Person | undefined): Promise<PostView> {
    const reader = this.idOf(readerPerson);
    return (await this.views([await this.visiblePost(id, reader)], reader))[0]!;
  }

  /** For pages: `/@owner/<slug>`. */
  async getPostBySlug(rawOwner: string, slug: string, readerPerson: Person | undefined): Promise<PostView> {
    const reader = this.idOf(readerPerson);
    const post = await this.deps.posts.findBySlug(this.person(rawOwner), slug);
    if (!post || !postVisibleTo(post, reader)) throw notFound("post");
    return (await this.views([post], reader))[0]!;
  }

  async editPost(person: Person, id: PostId, patch: PostPatch, options: WriteOptions = {}): Promise<PostView> {
    const actor = this.idOf(person);
    const post = await this.authoredPost(actor, id, "edit");
    const now = this.now();
    const next: Post = { ...post, updatedAt: now };
    if (patch.title !== undefined) next.title = checkLine(patch.title, "title", BLOG_LIMITS.titleChars);
    if (patch.body !== undefined) {
      next.body = checkText(patch.body, "body", BLOG_LIMITS.postBodyChars);
      next.html = await this.deps.renderer.toWebHtml(next.body);
    }
    if (patch.tags !== undefined) next.tags = normalizeTags(patch.tags);
    if (patch.slug !== undefined) next.slug = checkSlug(patch.slug);
    if (patch.commentsOpen !== undefined) next.commentsOpen = patch.commentsOpen;
    if (patch.published !== undefined) {
      next.published = patch.published;
      if (patch.published) next.publishedAt ??= now;
    }
    // Whether the edit changed the publication: what the bridge shows (a new event, a redaction) follows it.
    const publication = next.published !== post.published ? { published: next.published } : {};
    const events = [this.record({ type: "post.edited", blog: next.blog, postId: id, by: actor, ...publication }, await this.audience(post, next), options)];
    await this.deps.posts.update(next, events);
    this.deps.events.publish(events);
    return (await this.views([next], actor))[0]!;
  }

  /** Leaves a tombstone: the post is gone from every read (NOT_FOUND), its slug is free again. */
  async deletePost(person: Person, id: PostId, options: WriteOptions = {}): Promise<void> {
    const actor = this.idOf(person);
    const post = await this.authoredPost(actor, id, "delete");
    const now = this.now();
    const tombstone: Post = {
      id: post.id,
      blog: post.blog,
      author: post.author,
      title: "",
      slug: "",
      body: "",
      html: "",
      tags: [],
      published: false,
      createdAt: post.createdAt,
      updatedAt: now,
      deleted: true,
      deletedAt: now,
    };
    const events = [this.record({ type: "post.deleted", blog: post.blog, postId: id, by: actor }, await this.audience(post, tombstone), options)];
    await this.deps.posts.update(tombstone, events);
    this.deps.events.publish(events);
  }

  private person(raw: string): PersonId {
    return people.id(people.resolve(raw, this.deps.ghosts));
  }

  /** The acting or reading person's stored spelling, a ghost being its account. */
  private idOf<P extends Person | undefined>(person: P): P extends Person ? PersonId : PersonId | undefined;
  private idOf(person: Person | undefined): PersonId | undefined {
    return person === undefined ? undefined : people.id(people.canonical(person, this.deps.ghosts));
  }

  /** Canonical, deduplicated, without the owner (who always may comment on their own blog). */
  private blockList(owner: PersonId, handles: readonly string[]): PersonId[] {
    if (handles.length > MAX_BLOCKED_COMMENTERS) throw new MirageError(ErrorCodes.invalidInput, `at most ${MAX_BLOCKED_COMMENTERS} people can be blocked`);
    return [...new Set(handles.map((handle) => this.person(handle)))].filter((person) => person !== owner);
  }

  /** The owner, when `actor` may write to that blog: their own (created on first write). */
  private async ownBlog(person: Person, rawOwner: string): Promise<PersonId> {
    const actor = this.idOf(person);
    const owner = this.person(rawOwner);
    if (actor === owner) return owner;
    await this.getBlog(owner);
    throw new MirageError(ErrorCodes.forbidden, "only the owner writes in a blog");
  }

  private async visiblePost(id: PostId, reader: PersonId | undefined): Promise<Post> {
    const post = await this.deps.posts.get(id);
    if (!post || !postVisibleTo(post, reader)) throw notFound("post");
    return post;
  }

  private async authoredPost(actor: PersonId, id: PostId, verb: string): Promise<Post> {
    const post = await this.visiblePost(id, actor);
    if (post.author !== actor) throw new MirageError(ErrorCodes.forbidden, `only the author may ${verb} a post`);
    return post;
  }

  private async insert(post: Post, events: readonly PublishedEvent[]): Promise<Post> {
    await this.deps.posts.create(post, events);
    return post;
  }

  /** Picks the first free slug; a concurrent post taking it makes the next attempt pick another. */
  private async insertWithFreeSlug(post: Post, events: readonly PublishedEvent[]): Promise<Post> {
    const base = slugify(post.title);
    for (let attempt = 0; attempt < 5; attempt++) {
      const slug = freeSlug(base, await this.deps.posts.slugsLike(post.blog, base));
      try {
        return await this.insert({ ...post, slug }, events);
      } catch (error) {
        if (!isMirageError(error) || error.code !== ErrorCodes.conflict) throw error;
      }
    }
    throw new MirageError(ErrorCodes.conflict, "could not pick a free slug; try again");
  }

  private async views(posts: Post[], reader: PersonId | undefined): Promise<PostView[]> {
    const [summaries, stats] = await Promise.all([
      reactionSummaries(this.deps.reactions, posts.map((post) => ({ kind: "post" as const, id: post.id })), reader),
      this.deps.comments.statsMany(posts.map((post) => post.id)),
    ]);
    return posts.map((post, i) => ({ ...post, commentsOpen: post.commentsOpen ?? true, ...summaries[i]!, commentCount: stats[i]?.count ?? 0 }));
  }

  /**
   * Who hears of a change to the post: its author and commenters who may read it before or after
   * the change. A change that hides it (back to draft, deleted) reaches those who lose it, so
   * their clients drop it; nothing after it does.
   */
  private async audience(before: Post, after: Post): Promise<PersonId[]> {
    const people = [before.author, ...(await this.deps.comments.stats(before.id)).participants];
    return [...postReaders(before, people), ...postReaders(after, people)];
  }

  private record(event: DomainEvent, audience: readonly string[], options: WriteOptions = {}): PublishedEvent {
    // Matrix users have no sync stream; the bridge tells them.
    const published: PublishedEvent = { event, audience: [...new Set(audience)].filter((id) => !people.isMatrixId(id)), at: this.now() };
    return options.origin ? { ...published, origin: options.origin } : published;
  }
}
