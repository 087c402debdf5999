import { createHash } from "node:crypto";
import type { ProfileLookup } from "../../api/profileLookup.js";
import type { Account } from "../../platform/accounts/Account.js";
import type { CommentView } from "../../platform/blogs/Comment.js";
import type { PostView } from "../../platform/blogs/Post.js";
import { people } from "../../platform/people/people.js";
import type { PageComment, PagePerson, PageReaction, PostSummary } from "./pageModels.js";
import { excerpt } from "./pageParts.js";
import type { PageUrls } from "./pageUrls.js";
import { profileForPage, type PageImageUrl } from "./profileForPage.js";

/** Turns what the services return into page models: names, avatars and addresses resolved once per page. */
export class PublicPageData {
  constructor(
    private readonly deps: {
      /** Profiles with root-relative media addresses. */
      profiles: ProfileLookup;
      /** Root-relative page addresses. */
      urls: PageUrls;
      /** Where https images load from instead of their host. */
      imageUrl: PageImageUrl;
    },
  ) {}

  /** A lookup of everyone in `ids` as pages show them. */
  async people(ids: Iterable<string>): Promise<(id: string) => PagePerson> {
    const profileOf = await this.deps.profiles(ids);
    return (id) => {
      const profile = profileOf(id);
      const avatarUrl = profile.avatarUrl === undefined ? undefined : profile.avatarUrl.startsWith("https://") ? this.deps.imageUrl(profile.avatarUrl) : profile.avatarUrl;
      // Every account has a blog; a Matrix user has one only once they posted, which this does not look up.
      const href = people.isMatrixId(id) ? undefined : this.deps.urls.blog(id);
      return { id, displayName: profile.displayName, ...(avatarUrl !== undefined ? { avatarUrl } : {}), ...(href !== undefined ? { href } : {}) };
    };
  }

  async summaries(posts: readonly PostView[]): Promise<PostSummary[]> {
    const person = await this.people(posts.map((post) => post.author));
    return posts.map((post) => ({
      id: post.id,
      title: post.title,
      href: this.deps.urls.post(post.blog, post.slug),
      author: person(post.author),
      excerpt: excerpt(post.body),
      publishedAt: post.publishedAt ?? post.createdAt,
      commentCount: post.commentCount,
      reactionCount: Object.values(post.reactions).reduce((sum, n) => sum + n, 0),
    }));
  }

  async comments(comments: readonly CommentView[]): Promise<PageComment[]> {
    const person = await this.people(comments.filter((c) => !c.deleted).map((c) => c.author));
    return comments.map((c) => ({
      id: c.id,
      ...(c.parentId !== undefined ? { parentId: c.parentId } : {}),
      author: c.deleted ? { id: "", displayName: "" } : person(c.author),
      html: c.deleted ? "" : c.html,
      createdAt: c.createdAt,
      ...(c.editedAt !== undefined ? { editedAt: c.editedAt } : {}),
      deleted: c.deleted,
      reactions: c.deleted ? [] : reactions(c.reactions),
    }));
  }

  /** An account's custom HTML and stylesheet for its page, and the stylesheet's content hash. */
  profile(account: Account | undefined): { html: string; css: string; hash: string } | undefined {
    if (!account || (account.customHtmlSanitized === "" && account.customCss.trim() === "")) return undefined;
    const page = profileForPage(account.customHtmlSanitized, account.customCssSanitized, this.deps.imageUrl);
    return { ...page, hash: createHash("sha256").update(page.css).digest("base64url").slice(0, 16) };
  }
}

export function reactions(counts: Readonly<Record<string, number>>): PageReaction[] {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([key, count]) => ({ key, count }));
}

/** How a blog owner is written: `alice`, or a Matrix ID as is. */
export function handleOf(owner: string): string {
  return people.isMatrixId(owner) ? owner : `@${owner}`;
}
