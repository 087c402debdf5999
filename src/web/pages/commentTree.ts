import { html, raw, type SafeHtml } from "../html.js";
import type { PageComment, PageReaction } from "./pageModels.js";
import { avatar, personName, timeTag } from "./pageParts.js";

interface Node {
  comment: PageComment;
  replies: Node[];
}

/** Comments in thread order → a forest; a reply whose parent is not on the page stands at the top. */
export function nestComments(comments: readonly PageComment[]): Node[] {
  const byId = new Map<string, Node>();
  const roots: Node[] = [];
  for (const comment of comments) {
    const node = { comment, replies: [] };
    byId.set(comment.id, node);
    const parent = comment.parentId !== undefined ? byId.get(comment.parentId) : undefined;
    (parent ? parent.replies : roots).push(node);
  }
  return roots;
}

export function reactionList(reactions: readonly PageReaction[], target: { kind: "post" | "comment"; id: string }): SafeHtml {
  const items = reactions.map((r) => html`<li><span class="reaction" data-key="${r.key}"><span class="reaction-key">${r.key}</span> <span class="reaction-count">${String(r.count)}</span></span></li>`);
  return html`<ul class="reactions" aria-label="Reactions" data-target-kind="${target.kind}" data-target-id="${target.id}">${items}</ul>`;
}

/** The threaded comments as nested lists; replies can be made to any comment that is not deleted. */
export function commentTree(comments: readonly PageComment[]): SafeHtml {
  const render = (nodes: readonly Node[], depth: number): SafeHtml =>
    html`<ol class="${depth === 0 ? "comments" : "replies"}">${nodes.map(
      ({ comment, replies }) => html`<li id="comment-${comment.id}">
<article class="comment${comment.deleted ? " comment-deleted" : ""}" data-comment-id="${comment.id}" aria-labelledby="comment-${comment.id}-by">
${
  comment.deleted
    ? html`<p class="tombstone" id="comment-${comment.id}-by">Comment deleted</p>`
    : html`<header class="comment-header">${avatar(comment.author, 32)} <span id="comment-${comment.id}-by">${personName(comment.author)}</span> · <a class="permalink" href="#comment-${comment.id}">${timeTag(comment.createdAt)}</a>${comment.editedAt !== undefined ? html` · <span class="edited">edited</span>` : html``}</header>
<div class="comment-body">${raw(comment.html)}</div>
${comment.reactions.length > 0 ? reactionList(comment.reactions, { kind: "comment", id: comment.id }) : html``}`
}
</article>
${replies.length > 0 ? render(replies, depth + 1) : html``}
</li>`,
    )}</ol>`;
  return render(nestComments(comments), 0);
}
