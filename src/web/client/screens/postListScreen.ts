import type { AppContext, Screen } from "../context.js";
import { h, replaceChildren } from "../dom.js";
import { editorApi, type EditorApi } from "../editorApi.js";
import type { ApiBlog, ApiPost } from "../editorTypes.js";
import { describeFailure, fieldOfFailure } from "../editing.js";
import { field, formatTime, setFieldError } from "./editorForm.js";
import { coalesce, emptyState, errorState, loadingState } from "./states.js";

const POST_EVENTS = new Set(["post.created", "post.edited", "post.deleted", "comment.created", "comment.deleted"]);

/** My posts, drafts and published, newest first; a new post; the blog's title and description. */
export function postListScreen(): Screen {
  return {
    mount(root, ctx) {
      const me = ctx.user()!.name;
      const api = editorApi(ctx.transport);
      const list = h("div", { class: "post-list" }, loadingState("your posts"));
      const settings = h("div", { class: "blog-settings-body" }, loadingState("your blog's settings"));
      let closed = false;
      const load = async () => {
        try {
          const page = await api.posts(me);
          if (!closed) replaceChildren(list, renderPosts(page.posts, page.next, api, me));
        } catch (error) {
          if (!closed) replaceChildren(list, errorState(describeFailure(error, "Your posts could not be loaded."), () => void load()));
        }
      };
      const loadSettings = async () => {
        try {
          const blog = await api.blog(me);
          if (!closed) replaceChildren(settings, blogSettingsForm(blog, api, ctx));
        } catch (error) {
          if (!closed) replaceChildren(settings, errorState(describeFailure(error, "Your blog's settings could not be loaded."), () => void loadSettings()));
        }
      };
      const reload = coalesce(() => void load());
      const unsubscribe = ctx.subscribe({ events: (events) => events.some((e) => POST_EVENTS.has(e.kind)) && reload(), gap: reload });
      root.append(
        h(
          "section",
          { class: "editor-screen posts-screen" },
          h("h1", null, "Your posts"),
          h("p", { class: "screen-actions" }, h("a", { href: "/app/posts/new", class: "button button-primary" }, "New post"), " ", h("a", { href: `/@${encodeURIComponent(me)}`, target: "_blank", rel: "noopener" }, "View your blog")),
          h("h2", { id: "posts-heading" }, "Drafts and published posts"),
          list,
          h("section", { class: "blog-settings", "aria-labelledby": "blog-settings-heading" }, h("h2", { id: "blog-settings-heading" }, "Blog settings"), settings),
        ),
      );
      void load();
      void loadSettings();
      return () => {
        closed = true;
        reload.cancel();
        unsubscribe();
      };
    },
  };
}

function renderPosts(posts: ApiPost[], next: string | null, api: EditorApi, me: string): HTMLElement {
  if (posts.length === 0) return emptyState("No posts yet. Write your first one with “New post”.");
  const items = h("ul", { class: "posts", "aria-labelledby": "posts-heading" }, posts.map((post) => postItem(post, me)));
  const wrapper = h("div", null, items);
  const more = (cursor: string | null) => {
    if (cursor === null) return;
    const button = h("button", { type: "button", class: "load-more" }, "Show older posts");
    button.addEventListener("click", () => {
      button.disabled = true;
      api.posts(me, cursor).then(
        (page) => {
          items.append(...page.posts.map((post) => postItem(post, me)));
          button.remove();
          more(page.next);
        },
        (error: unknown) => {
          button.disabled = false;
          button.textContent = `Show older posts (${describeFailure(error, "try again")})`;
        },
      );
    });
    wrapper.append(button);
  };
  more(next);
  return wrapper;
}

function postItem(post: ApiPost, me: string): HTMLElement {
  const when = post.published ? `Published ${formatTime(post.publishedAt ?? post.createdAt)}` : `Draft, last changed ${formatTime(post.updatedAt)}`;
  return h(
    "li",
    { class: post.published ? "post-item" : "post-item post-draft" },
    h("a", { href: `/app/posts/${encodeURIComponent(post.id)}`, class: "post-item-title" }, post.title),
    h("span", { class: post.published ? "badge badge-published" : "badge badge-draft" }, post.published ? "Published" : "Draft"),
    h("span", { class: "post-item-meta" }, when, post.published ? ` · ${post.commentCount} comment${post.commentCount === 1 ? "" : "s"}` : null),
    h(
      "span",
      { class: "post-item-actions" },
      h("a", { href: `/app/posts/${encodeURIComponent(post.id)}` }, "Edit", h("span", { class: "visually-hidden" }, ` “${post.title}”`)),
      post.published ? h("a", { href: `/app/posts/${encodeURIComponent(post.id)}/comments` }, "Comments", h("span", { class: "visually-hidden" }, ` on “${post.title}”`)) : null,
      post.published ? h("a", { href: `/@${encodeURIComponent(me)}/${encodeURIComponent(post.slug)}`, target: "_blank", rel: "noopener" }, "View", h("span", { class: "visually-hidden" }, ` “${post.title}”`)) : null,
    ),
  );
}

function blogSettingsForm(blog: ApiBlog, api: EditorApi, ctx: AppContext): HTMLElement {
  const title = field("blog-title", "Title", h("input", { name: "title", value: blog.title, maxLength: 200, required: true }));
  const description = field("blog-description", "Description", h("textarea", { name: "description", rows: 3, maxLength: 1000, value: blog.description }));
  const status = h("p", { class: "form-status", role: "status" });
  const save = h("button", { type: "submit" }, "Save blog settings");
  const blocked = blog.blockedCommenters ?? [];
  const form = h(
    "form",
    { class: "editor-form", "aria-labelledby": "blog-settings-heading" },
    title.element,
    description.element,
    h(
      "div",
      { class: "field" },
      h("p", { class: "field-label" }, "Blocked from commenting"),
      blocked.length === 0
        ? h("p", { class: "hint" }, "Nobody. Block people from a post's comments.")
        : h("ul", { class: "blocked-list" }, blocked.map((person) => blockedItem(person, blog, api, ctx))),
    ),
    h("div", { class: "form-actions" }, save, status),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setFieldError(title, undefined);
    setFieldError(description, undefined);
    save.disabled = true;
    status.textContent = "Saving…";
    api.saveBlog(blog.owner, { title: title.control.value, description: description.control.value }).then(
      () => {
        save.disabled = false;
        status.textContent = "Saved.";
      },
      (error: unknown) => {
        save.disabled = false;
        const name = fieldOfFailure(error, ["title", "description"] as const);
        const message = describeFailure(error, "The settings could not be saved.");
        if (name) setFieldError(name === "title" ? title : description, message);
        status.textContent = `Not saved: ${message}`;
      },
    );
  });
  return form;
}

function blockedItem(person: string, blog: ApiBlog, api: EditorApi, ctx: AppContext): HTMLElement {
  const button = h("button", { type: "button" }, "Unblock", h("span", { class: "visually-hidden" }, ` ${person}`));
  const item = h("li", null, h("span", { class: "handle" }, person), " ", button);
  button.addEventListener("click", () => {
    button.disabled = true;
    const rest = (blog.blockedCommenters ?? []).filter((p) => p !== person);
    api.saveBlog(blog.owner, { blockedCommenters: rest }).then(
      (updated) => {
        blog.blockedCommenters = updated.blockedCommenters ?? [];
        item.remove();
        ctx.announce(`${person} may comment again.`);
      },
      (error: unknown) => {
        button.disabled = false;
        ctx.toast(describeFailure(error, "Unblocking did not work."), "error");
      },
    );
  });
  return item;
}
