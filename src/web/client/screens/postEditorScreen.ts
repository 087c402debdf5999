import type { AppContext, Screen } from "../context.js";
import { h, replaceChildren, setSanitizedHtml } from "../dom.js";
import { editorApi, type EditorApi } from "../editorApi.js";
import type { ApiPost, PostInput } from "../editorTypes.js";
import { postDrafts } from "../postDrafts.js";
import { debounce, describeFailure, fieldOfFailure } from "../editing.js";
import { confirmInline, field, formatTime, setFieldError } from "./editorForm.js";
import { errorState, loadingState } from "./states.js";

/** As in the server's post schema. */
const LIMITS = { title: 200, body: 100_000 };
const AUTOSAVE_PAUSE_MS = 400;

/** Write or edit a post: title and Markdown body, a preview, drafts, publish, unpublish, delete; typed text kept locally until saved. */
export function postEditorScreen(postId: string | undefined): Screen {
  return {
    mount(root, ctx) {
      const api = editorApi(ctx.transport);
      const heading = h("h1", null, postId ? "Edit post" : "New post");
      const body = h("div", { class: "editor-body" }, loadingState("the post"));
      let teardown = () => undefined as void;
      let closed = false;
      const load = async () => {
        replaceChildren(body, loadingState("the post"));
        try {
          const post = postId ? await api.post(postId) : undefined;
          if (!closed) teardown = renderEditor(body, post, api, ctx);
        } catch (error) {
          if (!closed) replaceChildren(body, errorState(describeFailure(error, "The post could not be loaded."), () => void load()));
        }
      };
      root.append(h("section", { class: "editor-screen post-editor" }, h("p", { class: "breadcrumb" }, h("a", { href: "/app/posts" }, "Your posts")), heading, body));
      void load();
      return () => {
        closed = true;
        teardown();
      };
    },
  };
}

function renderEditor(container: HTMLElement, loaded: ApiPost | undefined, api: EditorApi, ctx: AppContext): () => void {
  const me = ctx.user()!.name;
  let post = loaded;
  const server = () => ({ title: post?.title ?? "", body: post?.body ?? "" });
  const local = postDrafts.get(me, post?.id);
  const restored = local !== undefined && (local.title !== server().title || local.body !== server().body) ? local : undefined;
  if (local !== undefined && restored === undefined) postDrafts.drop(me, post?.id);
  const start = restored ?? server();

  const title = field("post-title", "Title", h("input", { name: "title", value: start.title, maxLength: LIMITS.title, required: true }));
  const text = field("post-body", "Body", h("textarea", { name: "body", rows: 18, maxLength: LIMITS.body, value: start.body, class: "code-input" }), "Markdown: **bold**, *italic*, [links](https://…), images, lists, quotes, code.");
  const commentsOpen = h("input", { type: "checkbox", id: "post-commentsOpen", name: "commentsOpen", checked: post?.commentsOpen ?? true });
  const status = h("p", { class: "form-status", role: "status" });
  const state = h("p", { class: "post-state" });
  const notice = h("div", { class: "notice", role: "status" });
  notice.hidden = true;

  // Write / Preview tabs.
  const writeTab = h("button", { type: "button", role: "tab", id: "tab-write", "aria-controls": "panel-write", "aria-selected": "true" }, "Write");
  const previewTab = h("button", { type: "button", role: "tab", id: "tab-preview", "aria-controls": "panel-preview", "aria-selected": "false", tabIndex: -1 }, "Preview");
  const previewBody = h("div", { class: "post-body", id: "post-preview-body" });
  const previewTitle = h("h2", { class: "post-preview-title" });
  const previewState = h("p", { class: "preview-status", role: "status" });
  const writePanel = h("div", { role: "tabpanel", id: "panel-write", "aria-labelledby": "tab-write" }, text.element);
  const previewPanel = h("div", { role: "tabpanel", id: "panel-preview", "aria-labelledby": "tab-preview", tabIndex: 0 }, previewState, h("article", { class: "post-preview" }, previewTitle, previewBody));
  previewPanel.hidden = true;
  let previewSeq = 0;
  const showTab = (which: "write" | "preview") => {
    const preview = which === "preview";
    writeTab.setAttribute("aria-selected", String(!preview));
    previewTab.setAttribute("aria-selected", String(preview));
    writeTab.tabIndex = preview ? -1 : 0;
    previewTab.tabIndex = preview ? 0 : -1;
    writePanel.hidden = preview;
    previewPanel.hidden = !preview;
    if (!preview) return;
    const seq = ++previewSeq;
    previewTitle.textContent = title.control.value;
    previewState.textContent = "Rendering the preview…";
    previewBody.setAttribute("aria-busy", "true");
    api.previewMarkdown(text.control.value).then(
      (html) => {
        if (seq !== previewSeq) return;
        setSanitizedHtml(previewBody, html);
        previewBody.removeAttribute("aria-busy");
        previewState.textContent = html === "" ? "Nothing to preview yet." : "";
      },
      (error: unknown) => {
        if (seq !== previewSeq) return;
        previewBody.removeAttribute("aria-busy");
        previewState.textContent = `No preview: ${describeFailure(error, "the server did not answer.")}`;
      },
    );
  };
  writeTab.addEventListener("click", () => showTab("write"));
  previewTab.addEventListener("click", () => showTab("preview"));
  const tabs = h("div", { role: "tablist", "aria-label": "Body", class: "tabs" }, writeTab, previewTab);
  tabs.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const toPreview = writeTab.getAttribute("aria-selected") === "true";
    showTab(toPreview ? "preview" : "write");
    (toPreview ? previewTab : writeTab).focus();
  });

  const saveDraft = h("button", { type: "button", class: "button-secondary" }, "Save draft");
  const publish = h("button", { type: "button", class: "button-primary" }, "Publish");
  const saveChanges = h("button", { type: "button", class: "button-primary" }, "Save changes");
  const unpublish = h("button", { type: "button", class: "button-secondary" }, "Unpublish");
  const remove = h("button", { type: "button", class: "button-danger" }, "Delete post");
  const view = h("a", { target: "_blank", rel: "noopener" }, "View on your blog");
  const comments = h("a", null, "Moderate comments");
  const actions = h("div", { class: "form-actions" }, saveDraft, publish, saveChanges, unpublish, remove, view, comments);
  const buttons = [saveDraft, publish, saveChanges, unpublish, remove];

  const form = h(
    "form",
    { class: "editor-form", "aria-labelledby": "post-title" },
    notice,
    state,
    title.element,
    tabs,
    writePanel,
    previewPanel,
    h("div", { class: "field field-check" }, commentsOpen, h("label", { for: "post-commentsOpen" }, "Take comments on this post")),
    actions,
    status,
  );
  replaceChildren(container, form);

  const values = (): PostInput => ({ title: title.control.value, body: text.control.value, published: post?.published ?? false, commentsOpen: commentsOpen.checked });
  const unsaved = () => title.control.value !== server().title || text.control.value !== server().body || (post !== undefined && commentsOpen.checked !== post.commentsOpen);

  const refresh = () => {
    const published = post?.published ?? false;
    saveDraft.hidden = published;
    publish.hidden = published;
    saveChanges.hidden = !published;
    unpublish.hidden = !published;
    remove.hidden = post === undefined;
    view.hidden = !published;
    comments.hidden = !published;
    if (post) {
      view.href = `/@${encodeURIComponent(me)}/${encodeURIComponent(post.slug)}`;
      comments.href = `/app/posts/${encodeURIComponent(post.id)}/comments`;
    }
    state.textContent = !post ? "Not saved yet." : published ? `Published ${formatTime(post.publishedAt ?? post.createdAt)}.` : `Draft, saved ${formatTime(post.updatedAt)}. Only you can see it.`;
    if (unsaved()) state.textContent += " You have unsaved changes, kept in this browser.";
  };

  // Everything typed is kept in this browser until the server has it.
  const keepLocally = () => {
    if (unsaved()) postDrafts.set(me, post?.id, { title: title.control.value, body: text.control.value, at: Date.now() });
    else postDrafts.drop(me, post?.id);
  };
  const autosave = debounce(keepLocally, AUTOSAVE_PAUSE_MS);
  form.addEventListener("input", () => {
    autosave();
    refresh();
  });
  const flush = () => autosave.flush();
  window.addEventListener("pagehide", flush);

  if (restored) {
    notice.hidden = false;
    const discard = h("button", { type: "button" }, "Discard them");
    discard.addEventListener("click", () => {
      title.control.value = server().title;
      text.control.value = server().body;
      postDrafts.drop(me, post?.id);
      notice.hidden = true;
      refresh();
      title.control.focus();
    });
    notice.append(h("p", null, `Restored changes you had not saved (typed ${formatTime(new Date(restored.at).toISOString())}).`), discard);
  }

  const clearErrors = () => {
    setFieldError(title, undefined);
    setFieldError(text, undefined);
  };
  const busy = (on: boolean) => {
    for (const b of buttons) b.disabled = on;
    if (on) form.setAttribute("aria-busy", "true");
    else form.removeAttribute("aria-busy");
  };
  const fail = (error: unknown, what: string) => {
    busy(false);
    const name = fieldOfFailure(error, ["title", "body"] as const);
    const message = describeFailure(error, `The post could not be ${what}.`);
    if (name) {
      setFieldError(name === "title" ? title : text, message);
      if (name === "body") showTab("write");
      (name === "title" ? title : text).control.focus();
    }
    status.textContent = `Not ${what}: ${message} Your text is kept in this browser.`;
    keepLocally();
  };

  /** Creates or updates the post with the form's text and `published`. */
  const submit = (published: boolean, done: string) => {
    clearErrors();
    autosave.cancel();
    keepLocally();
    const sent = { ...values(), published };
    busy(true);
    status.textContent = "Saving…";
    const request = post ? api.editPost(post.id, changes(post, sent)) : api.createPost(me, sent);
    request.then((saved) => {
      const created = post === undefined;
      post = saved;
      busy(false);
      // Typed while saving: still unsaved, still kept.
      if (title.control.value === saved.title && text.control.value === saved.body) postDrafts.drop(me, created ? undefined : saved.id);
      else if (created) {
        postDrafts.set(me, saved.id, { title: title.control.value, body: text.control.value, at: Date.now() });
        postDrafts.drop(me, undefined);
      } else keepLocally();
      ctx.announce(done);
      if (created) ctx.navigate(`/app/posts/${encodeURIComponent(saved.id)}`, { replace: true });
      else {
        status.textContent = done;
        refresh();
      }
    }, (error: unknown) => fail(error, "saved"));
  };

  saveDraft.addEventListener("click", () => submit(false, "Draft saved."));
  publish.addEventListener("click", () => submit(true, "Published."));
  saveChanges.addEventListener("click", () => submit(true, "Changes saved."));
  unpublish.addEventListener("click", () => submit(false, "Unpublished: the post is a draft again."));
  remove.addEventListener("click", () =>
    confirmInline(remove, "Delete this post and its comments for good?", "Delete", () => {
      if (!post) return;
      busy(true);
      api.deletePost(post.id).then(
        () => {
          postDrafts.drop(me, post!.id);
          ctx.toast("Post deleted.");
          ctx.navigate("/app/posts");
        },
        (error: unknown) => {
          busy(false);
          status.textContent = `Not deleted: ${describeFailure(error, "the server did not answer.")}`;
        },
      );
    }),
  );
  form.addEventListener("submit", (event) => event.preventDefault());
  refresh();

  return () => {
    autosave.flush();
    window.removeEventListener("pagehide", flush);
  };
}

/** Only what changed, plus `published` when it does. */
function changes(post: ApiPost, next: PostInput): Partial<PostInput> {
  const patch: Partial<PostInput> = {};
  if (next.title !== post.title) patch.title = next.title;
  if (next.body !== post.body) patch.body = next.body;
  if (next.commentsOpen !== post.commentsOpen) patch.commentsOpen = next.commentsOpen;
  if (next.published !== post.published || Object.keys(patch).length === 0) patch.published = next.published;
  return patch;
}
