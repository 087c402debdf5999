import type { BlogStats } from "../platform/blogs/Blog.js";
import type { PostId } from "../platform/ids.js";
import { listedAt, type Post, type PostPage, type PostRepository } from "../platform/blogs/Post.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { LevelJournal } from "./LevelJournal.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { compositeKey, decodeTimeCursor, encodeCursor, META_KEYS, prefixRange, splitKey, SUBLEVELS, timeKey } from "./keys.js";

type IndexEntry = readonly [JsonSublevel<PostId>, string];

/**
 * Posts by id (tombstones included), and per blog: a slug index, a newest-first index of live
 * posts, one of published posts, and the stats; across blogs, a newest-first index of published
 * posts. Every write computes the index entries of the old and new state and moves them in the
 * post's batch, so the indexes always match the posts.
 */
export class LevelPosts implements PostRepository {
  private readonly posts: JsonSublevel<Post>;
  private readonly slugs: JsonSublevel<PostId>;
  private readonly live: JsonSublevel<PostId>;
  private readonly published: JsonSublevel<PostId>;
  private readonly blogStats: JsonSublevel<BlogStats>;
  private readonly everyBlog: JsonSublevel<PostId>;
  private readonly meta: JsonSublevel<number>;
  private readonly mutex = new Mutex();
  private everyBlogReady: Promise<void> | undefined;

  constructor(
    private readonly db: RootLevel,
    private readonly journal: LevelJournal,
  ) {
    this.posts = jsonSublevel<Post>(db, SUBLEVELS.posts);
    this.slugs = jsonSublevel<PostId>(db, SUBLEVELS.postSlugs);
    this.live = jsonSublevel<PostId>(db, SUBLEVELS.blogPosts);
    this.published = jsonSublevel<PostId>(db, SUBLEVELS.blogPublished);
    this.blogStats = jsonSublevel<BlogStats>(db, SUBLEVELS.blogStats);
    this.everyBlog = jsonSublevel<PostId>(db, SUBLEVELS.publishedPosts);
    this.meta = jsonSublevel<number>(db, SUBLEVELS.meta);
  }

  get(id: PostId): Promise<Post | undefined> {
    return this.posts.get(id);
  }

  async findBySlug(blog: string, slug: string): Promise<Post | undefined> {
    const id = await this.slugs.get(compositeKey(blog, slug));
    const post = id === undefined ? undefined : await this.posts.get(id);
    return post && !post.deleted ? post : undefined;
  }

  async slugsLike(blog: string, base: string): Promise<Set<string>> {
    // Slugs are [a-z0-9-]: between `base` and `base.` lie exactly `base` and `base-…`.
    const keys = await this.slugs.keys({ gte: compositeKey(blog, base), lt: compositeKey(blog, `${base}.`) }).all();
    return new Set(keys.map((key) => splitKey(key)[1]!));
  }

  create(post: Post, events?: JournalRecords): Promise<void> {
    return this.mutex.run(async () => {
      if ((await this.posts.get(post.id)) !== undefined) throw new MirageError(ErrorCodes.conflict, "post id in use");
      await this.write(undefined, post, events);
    });
  }

  update(post: Post, events?: JournalRecords): Promise<void> {
    return this.mutex.run(async () => {
      const old = await this.posts.get(post.id);
      if (!old || old.deleted) throw new MirageError(ErrorCodes.notFound, "post not found");
      await this.write(old, post, events);
    });
  }

  async list(blog: string, options: { includeDrafts: boolean; cursor?: string; limit: number }): Promise<PostPage> {
    const index = options.includeDrafts ? this.live : this.published;
    const range = prefixRange(blog);
    const cursor = options.cursor === undefined ? undefined : cursorPosition(options.cursor);
    return this.page(index, { gte: range.gte, lt: cursor === undefined ? range.lt : compositeKey(blog, cursor) }, options.limit, (key) => splitKey(key)[1]!);
  }

  async listPublished(options: { cursor?: string; limit: number }): Promise<PostPage> {
    await this.everyBlogIndex();
    const cursor = options.cursor === undefined ? undefined : cursorPosition(options.cursor);
    return this.page(this.everyBlog, cursor === undefined ? {} : { lt: cursor }, options.limit, (key) => key);
  }

  private async page(index: JsonSublevel<PostId>, range: { gte?: string; lt?: string }, limit: number, positionOf: (key: string) => string): Promise<PostPage> {
    const entries = await index.iterator({ ...range, reverse: true, limit: limit + 1 }).all();
    const page = entries.slice(0, limit);
    const posts = (await this.posts.getMany(page.map(([, id]) => id))).filter((post): post is Post => post !== undefined && !post.deleted);
    const last = page.at(-1);
    return { posts, ...(entries.length > limit && last ? { next: encodeCursor(positionOf(last[0])) } : {}) };
  }

  /** Builds the cross-blog index from the posts once, for stores written before it existed; inside the mutex, so no write races it. */
  private everyBlogIndex(): Promise<void> {
    this.everyBlogReady ??= this.mutex
      .run(async () => {
        if ((await this.meta.get(META_KEYS.publishedPostsBuilt)) !== undefined) return;
        const ops: BatchOp[] = [];
        for await (const post of this.posts.values()) {
          if (!post.deleted && post.published) ops.push({ type: "put", sublevel: this.everyBlog, key: timeKey(listedAt(post), post.id), value: post.id } as BatchOp);
        }
        ops.push({ type: "put", sublevel: this.meta, key: META_KEYS.publishedPostsBuilt, value: 1 } as BatchOp);
        await this.db.batch(ops);
      })
      .catch((error: unknown) => {
        this.everyBlogReady = undefined;
        throw error;
      });
    return this.everyBlogReady;
  }

  stats(blog: string): Promise<BlogStats | undefined> {
    return this.blogStats.get(blog);
  }

  /** Call inside the mutex: checks the slug, then writes the post, its index moves, the stats and its journal entries in one batch. */
  private async write(old: Post | undefined, next: Post, events: JournalRecords | undefined): Promise<void> {
    if (!next.deleted && next.slug !== old?.slug) {
      const holder = await this.slugs.get(compositeKey(next.blog, next.slug));
      if (holder !== undefined && holder !== next.id) throw new MirageError(ErrorCodes.conflict, `slug "${next.slug}" is taken in this blog`);
    }
    const before = old ? this.entries(old) : [];
    const after = this.entries(next);
    const ops: BatchOp[] = [];
    for (const [sublevel, key] of before) {
      if (!after.some(([s, k]) => s === sublevel && k === key)) ops.push({ type: "del", sublevel, key } as BatchOp);
    }
    for (const [sublevel, key] of after) ops.push({ type: "put", sublevel, key, value: next.id } as BatchOp);
    const stats = { ...((await this.blogStats.get(next.blog)) ?? { published: 0, drafts: 0 }) };
    if (old) count(stats, old, -1);
    count(stats, next, +1);
    ops.push({ type: "put", sublevel: this.blogStats, key: next.blog, value: stats } as BatchOp);
    ops.push({ type: "put", sublevel: this.posts, key: next.id, value: next } as BatchOp);
    await this.journal.commit(ops, events);
  }

  private entries(post: Post): IndexEntry[] {
    if (post.deleted) return [];
    const position = compositeKey(post.blog, timeKey(listedAt(post), post.id));
    const entries: IndexEntry[] = [
      [this.slugs, compositeKey(post.blog, post.slug)],
      [this.live, position],
    ];
    if (post.published) entries.push([this.published, position], [this.everyBlog, timeKey(listedAt(post), post.id)]);
    return entries;
  }
}

function cursorPosition(cursor: string): string {
  const found = decodeTimeCursor(cursor);
  if (found === undefined) throw new MirageError(ErrorCodes.invalidInput, "invalid cursor");
  return found;
}

function count(stats: BlogStats, post: Post, delta: number): void {
  if (post.deleted) return;
  if (post.published) stats.published += delta;
  else stats.drafts += delta;
}
