import { html, raw } from "../html.js";
import { commentTree, reactionList } from "./commentTree.js";
import type { PageComment, PageMeta, PagePerson, PageReaction } from "./pageModels.js";
import { avatar, personName, plural, timeTag } from "./pageParts.js";
import { renderPublicPage, type PageFrame } from "./renderPublicPage.js";

export interface PostPageModel {
  meta: PageMeta;
  id: string;
  title: string;
  author: PagePerson;
  blogHref: string;
  blogTitle: string;
  /** Sanitized HTML. */
  html: string;
  publishedAt: number;
  updatedAt: number;
  reactions: PageReaction[];
  comments: PageComment[];
  commentCount: number;
  commentsOpen: boolean;
  /** The next page of comments, when there are more. */
  moreComments?: string;
  /** Where signing in brings the reader back here. */
  signInHref: string;
}

/**
 * `/@{owner}/{slug}`: the post, its reactions and threaded comments. Without script it is complete
 * and read-only; `pages.js` turns the "sign in to comment" note into a comment form and the
 * reactions into buttons once it has a session.
 */
export function renderPostPage(frame: PageFrame, model: PostPageModel): string {
  const edited = model.updatedAt - model.publishedAt > 60_000;
  return renderPublicPage(
    frame,
    model.meta,
    html`<article class="post" data-post-id="${model.id}" aria-labelledby="post-title">
<header class="post-header">
<p class="breadcrumb"><a href="${model.blogHref}">${model.blogTitle}</a></p>
<h1 id="post-title">${model.title}</h1>
<p class="byline">${avatar(model.author, 48)} ${personName(model.author)} · ${timeTag(model.publishedAt)}${edited ? html` · updated ${timeTag(model.updatedAt)}` : html``}</p>
</header>
<div class="post-body">${raw(model.html)}</div>
<footer class="post-footer">${reactionList(model.reactions, { kind: "post", id: model.id })}</footer>
</article>
<section class="comments-section" aria-labelledby="comments-title" data-post-id="${model.id}" data-comments-open="${model.commentsOpen ? "true" : "false"}">
<h2 id="comments-title">${model.commentCount === 0 ? "Comments" : plural(model.commentCount, "comment")}</h2>
${model.comments.length > 0 ? commentTree(model.comments) : html`<p class="empty">No comments yet.</p>`}
${model.moreComments !== undefined ? html`<p><a href="${model.moreComments}">More comments</a></p>` : html``}
<div class="comment-slot">${
      model.commentsOpen
        ? html`<p class="sign-in-note"><a href="${model.signInHref}">Sign in to comment</a></p>`
        : html`<p class="closed-note">Comments are closed.</p>`
    }</div>
</section>`,
  );
}
