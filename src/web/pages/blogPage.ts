import { html, raw } from "../html.js";
import type { Pager, PageMeta, PagePerson, PostSummary } from "./pageModels.js";
import { avatar, pager, plural, postList } from "./pageParts.js";
import { renderPublicPage, type PageFrame } from "./renderPublicPage.js";

export interface BlogPageModel {
  meta: PageMeta;
  owner: PagePerson;
  /** How the owner is addressed: `alice` or `@bob:example.org`. */
  handle: string;
  blogTitle: string;
  blogDescription: string;
  /** Sanitized HTML of the bio (Markdown). */
  bioHtml: string;
  /** The owner's custom HTML made fit for the page (see `profileForPage`); "" for none. */
  profileHtml: string;
  /** The profile's stylesheet address; absent when there is no custom HTML or CSS. */
  profileCss?: `/${string}`;
  feedUrl: string;
  postCount: number;
  posts: PostSummary[];
  pager: Pager;
}

/**
 * `/@{owner}`: the profile (name, avatar, bio, the owner's custom HTML inside its container) and the
 * blog's published posts. The chrome stays outside the container, so its scoped CSS cannot reach it.
 */
export function renderBlogPage(frame: PageFrame, model: BlogPageModel): string {
  return renderPublicPage(
    frame,
    model.meta,
    html`<section class="profile" aria-labelledby="profile-name">
<div class="profile-card">
${avatar(model.owner, 96)}
<div>
<h1 id="profile-name">${model.owner.displayName}</h1>
<p class="handle">${model.handle}</p>
</div>
</div>
${model.bioHtml !== "" ? html`<div class="bio">${raw(model.bioHtml)}</div>` : html``}
${model.profileHtml !== "" ? html`<div class="mirage-profile">${raw(model.profileHtml)}</div>` : html``}
</section>
<section class="blog" aria-labelledby="blog-title">
<h2 id="blog-title">${model.blogTitle === model.owner.displayName ? "Posts" : model.blogTitle}</h2>
${model.blogDescription !== "" ? html`<p class="blog-description">${model.blogDescription}</p>` : html``}
<p class="blog-meta">${plural(model.postCount, "post")} · <a href="${model.feedUrl}">Atom feed</a></p>
${postList(model.posts, { showAuthor: false, empty: "No posts yet." })}
${pager(model.pager)}
</section>`,
    model.profileCss !== undefined ? [model.profileCss] : [],
  );
}
