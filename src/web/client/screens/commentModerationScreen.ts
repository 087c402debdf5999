import type { AppContext, Screen } from "../context.js";
import { h, replaceChildren, setSanitizedHtml } from "../dom.js";
import { editorApi, type EditorApi } from "../editorApi.js";
import type { ApiBlog, ApiComment, ApiPost } from "../editorTypes.js";
import { describeFailure } from "../editing.js";
import { confirmInline, formatTime } from "./editorForm.js";
import { coalesce, emptyState, errorState, loadingState } from "./states.js";

const COMMENT_EVENTS = new Set(["comment.created", "comment.edited", "comment.deleted", "blog.updated"]);

/** A post's comments for its owner: delete any, block or unblock who wrote it. */
export function commentModerationScreen(postId: string): Screen {
  return {
    mount(root, ctx) {
      const me = ctx.user()!.name;
      const api = editorApi(ctx.transport);
      const title = h("p", { class: "moderation-post" });
      const list = h("div", { class: "moderation-list" }, loadingState("the comments"));
      let closed = false;
      const load = async () => {
        try {
          const [post, blog, comments] = await Promise.all([api.post(postId), api.blog(me), allComments(api, postId)]);
          if (closed) return;
          replaceChildren(title, "On ", h("a", { href: `/@${encodeURIComponent(me)}/${encodeURIComponent(post.slug)}`, target: "_blank", rel: "noopener" }, post.title), post.commentsOpen ? null : " (closed to new comments)");
          replaceChildren(list, renderComments(comments, post, blog, api, ctx, reload));
        } catch (error) {
          if (!closed) replaceChildren(list, errorState(describeFailure(error, "The comments could not be loaded."), () => void load()));
        }
      };
      const reload = coalesce(() => void load());
      const unsubscribe = ctx.subscribe({
        events: (events) => events.some((e) => COMMENT_EVENTS.has(e.kind) && (e.data.postId === postId || e.kind === "blog.updated")) && reload(),
        gap: reload,
      });
      root.append(
        h(
          "section",
          { class: "editor-screen moderation-screen" },
          h("p", { class: "breadcrumb" }, h("a", { href: "/app/posts" }, "Your posts"), " / ", h("a", { href: `/app/posts/${encodeURIComponent(postId)}` }, "Edit post")),
          h("h1", null, "Comments"),
          title,
          list,
        ),
      );
      void load();
      return () => {
        closed = true;
        reload.cancel();
        unsubscribe();
      };
    },
  };
}

async function allComments(api: EditorApi, postId: string): Promise<ApiComment[]> {
  const out: ApiComment[] = [];
  let cursor: string | undefined;
  // A post's whole thread, page by page (200 a page), bounded so a huge thread cannot stall the screen.
  for (let pages = 0; pages < 10; pages++) {
    const page = await api.comments(postId, cursor);
    out.push(...page.comments);
    if (page.next === null) break;
    cursor = page.next;
  }
  return out;
}

function renderComments(comments: ApiComment[], post: ApiPost, blog: ApiBlog, api: EditorApi, ctx: AppContext, reload: () => void): HTMLElement {
  if (comments.length === 0) return emptyState(post.commentsOpen ? "No comments yet." : "No comments. This post takes no new ones.");
  const blocked = new Set(blog.blockedCommenters ?? []);
  return h("ol", { class: "moderation-comments" }, comments.map((comment) => commentItem(comment, blog, blocked, api, ctx, reload)));
}

function commentItem(comment: ApiComment, blog: ApiBlog, blocked: Set<string>, api: EditorApi, ctx: AppContext, reload: () => void): HTMLElement {
  const item = h("li", { class: "moderation-comment", "data-comment-id": comment.id });
  item.classList.add(`depth-${Math.min(comment.depth, 6)}`);
  if (comment.deleted) {
    item.append(h("p", { class: "comment-tombstone" }, comment.deletedBy === "blogOwner" ? "Deleted by you." : "Deleted by its author."));
    return item;
  }
  const name = comment.authorProfile.displayName;
  const body = h("div", { class: "comment-body" });
  setSanitizedHtml(body, comment.html);
  const actions = h("div", { class: "comment-actions" });
  const remove = h("button", { type: "button", class: "button-danger" }, "Delete", h("span", { class: "visually-hidden" }, ` the comment by ${name}`));
  remove.addEventListener("click", () =>
    confirmInline(remove, "Delete this comment?", "Delete", () => {
      remove.disabled = true;
      api.deleteComment(comment.id).then(
        () => {
          ctx.announce("Comment deleted.");
          reload();
        },
        (error: unknown) => {
          remove.disabled = false;
          ctx.toast(describeFailure(error, "The comment could not be deleted."), "error");
        },
      );
    }),
  );
  actions.append(remove);
  if (comment.author !== blog.owner) {
    const isBlocked = blocked.has(comment.author);
    const toggle = h("button", { type: "button" }, isBlocked ? "Unblock" : "Block", h("span", { class: "visually-hidden" }, ` ${name}`));
    toggle.addEventListener("click", () => {
      toggle.disabled = true;
      // The list as the server has it now, so two changes made elsewhere are not undone.
      api
        .blog(blog.owner)
        .then((current) => {
          const list = new Set(current.blockedCommenters ?? []);
          if (isBlocked) list.delete(comment.author);
          else list.add(comment.author);
          return api.saveBlog(blog.owner, { blockedCommenters: [...list] });
        })
        .then(
          () => {
            ctx.announce(isBlocked ? `${name} may comment again.` : `${name} is blocked from commenting on your blog.`);
            reload();
          },
          (error: unknown) => {
            toggle.disabled = false;
            ctx.toast(describeFailure(error, "That did not work."), "error");
          },
        );
    });
    actions.append(toggle);
  }
  item.append(
    h(
      "p",
      { class: "comment-meta" },
      h("strong", { class: "comment-author" }, name),
      name !== comment.author ? h("span", { class: "handle" }, ` ${comment.author}`) : null,
      " · ",
      h("time", { datetime: comment.createdAt }, formatTime(comment.createdAt)),
      comment.editedAt ? " (edited)" : null,
      blocked.has(comment.author) ? h("span", { class: "badge badge-blocked" }, "Blocked") : null,
    ),
    body,
    actions,
  );
  return item;
}
