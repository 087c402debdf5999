import type { BlogStats } from "../../src/platform/blogs/Blog.js";
import type { Comment, CommentStats } from "../../src/platform/blogs/Comment.js";
import { listedAt, type Post } from "../../src/platform/blogs/Post.js";
import type { Reaction, ReactionCounts } from "../../src/platform/reactions/Reaction.js";
import { jsonSublevel, type RootLevel } from "../../src/store/LevelDatabase.js";
import { compositeKey, splitKey, SUBLEVELS, timeKey } from "../../src/store/keys.js";

const all = async <V>(db: RootLevel, name: string) => jsonSublevel<V>(db, name).iterator().all();

/**
 * Reads the raw sublevels and lists every way the blog indexes and counters disagree with the
 * records they summarize; an empty list means consistent.
 */
export async function blogStoreProblems(db: RootLevel): Promise<string[]> {
  const problems: string[] = [];
  const posts = new Map((await all<Post>(db, SUBLEVELS.posts)).map(([id, post]) => [id, post]));
  const live = [...posts.values()].filter((post) => !post.deleted);

  // Slugs: every entry names a live post of that blog with that slug, and every live post has its entry.
  const slugs = await all<string>(db, SUBLEVELS.postSlugs);
  for (const [key, id] of slugs) {
    const [blog, slug] = splitKey(key);
    const post = posts.get(id);
    if (!post || post.deleted || post.blog !== blog || post.slug !== slug) problems.push(`slug ${blog}/${slug} -> ${id} is stale`);
  }
  if (slugs.length !== live.length) problems.push(`${slugs.length} slug entries for ${live.length} live posts`);

  // Listings: exactly the live (and published) posts, at their positions.
  const expectEntries = async (name: string, wanted: Post[]) => {
    const entries = new Map(await all<string>(db, name));
    const expected = new Map(wanted.map((post) => [compositeKey(post.blog, timeKey(listedAt(post), post.id)), post.id]));
    if (JSON.stringify([...entries].sort()) !== JSON.stringify([...expected].sort())) problems.push(`${name} does not match the posts`);
  };
  await expectEntries(SUBLEVELS.blogPosts, live);
  await expectEntries(SUBLEVELS.blogPublished, live.filter((post) => post.published));
  const everyBlog = new Map(await all<string>(db, SUBLEVELS.publishedPosts));
  const everyBlogExpected = new Map(live.filter((post) => post.published).map((post) => [timeKey(listedAt(post), post.id), post.id]));
  if (everyBlog.size > 0 && JSON.stringify([...everyBlog].sort()) !== JSON.stringify([...everyBlogExpected].sort())) problems.push(`${SUBLEVELS.publishedPosts} does not match the posts`);

  // Blog stats equal the live posts.
  const stats = new Map(await all<BlogStats>(db, SUBLEVELS.blogStats));
  const counted = new Map<string, BlogStats>();
  for (const post of live) {
    const s = counted.get(post.blog) ?? { published: 0, drafts: 0 };
    if (post.published) s.published += 1;
    else s.drafts += 1;
    counted.set(post.blog, s);
  }
  for (const blog of new Set([...stats.keys(), ...counted.keys()])) {
    const want = counted.get(blog) ?? { published: 0, drafts: 0 };
    const have = stats.get(blog) ?? { published: 0, drafts: 0 };
    if (want.published !== have.published || want.drafts !== have.drafts) problems.push(`stats of ${blog}: ${JSON.stringify(have)} != ${JSON.stringify(want)}`);
  }

  // Comments: stats count live comments; thread entries point at comments of their post; live comments are in the thread.
  const comments = new Map((await all<Comment>(db, SUBLEVELS.comments)).map(([id, comment]) => [id, comment]));
  const threaded = new Set<string>();
  for (const [key, id] of await all<string>(db, SUBLEVELS.commentThreads)) {
    const comment = comments.get(id);
    if (!comment || comment.postId !== splitKey(key)[0]) problems.push(`thread entry ${JSON.stringify(key)} -> ${id} is stale`);
    threaded.add(id);
  }
  const liveComments = new Map<string, number>();
  for (const comment of comments.values()) {
    if (comment.deleted) continue;
    liveComments.set(comment.postId, (liveComments.get(comment.postId) ?? 0) + 1);
    if (!threaded.has(comment.id)) problems.push(`live comment ${comment.id} is not in its thread`);
  }
  const commentStats = new Map(await all<CommentStats>(db, SUBLEVELS.commentStats));
  for (const postId of new Set([...commentStats.keys(), ...liveComments.keys()])) {
    const have = commentStats.get(postId)?.count ?? 0;
    const want = liveComments.get(postId) ?? 0;
    if (have !== want) problems.push(`comment count of ${postId}: ${have} != ${want}`);
  }

  // Reaction counters equal the reactions stored.
  const counted2 = new Map<string, Map<string, number>>();
  for (const [key, reaction] of await all<Reaction>(db, SUBLEVELS.reactions)) {
    const [kind, id, by, reactionKey] = splitKey(key);
    if (reaction.target.kind !== kind || reaction.target.id !== id || reaction.by !== by || reaction.key !== reactionKey) problems.push(`reaction ${JSON.stringify(key)} disagrees with its key`);
    const target = compositeKey(kind!, id!);
    const counts = counted2.get(target) ?? new Map<string, number>();
    counts.set(reactionKey!, (counts.get(reactionKey!) ?? 0) + 1);
    counted2.set(target, counts);
  }
  const counters = new Map(await all<ReactionCounts>(db, SUBLEVELS.reactionCounts));
  for (const target of new Set([...counters.keys(), ...counted2.keys()])) {
    const have = Object.entries(counters.get(target) ?? {}).sort();
    const want = [...(counted2.get(target) ?? new Map())].sort();
    if (JSON.stringify(have) !== JSON.stringify(want)) problems.push(`counts of ${JSON.stringify(target)}: ${JSON.stringify(have)} != ${JSON.stringify(want)}`);
  }
  return problems;
}
