/*
 * Progressive enhancement of the public pages. Without it the pages are complete and read-only.
 * With a session (the refresh cookie, exchanged for an access token that lives only in memory
 * here), a post page gets a comment form, reply buttons and reaction buttons, all through the
 * JSON API. Nothing here builds HTML from strings: text goes in through textContent.
 */

const REACTION_CHOICES = ["👍", "❤️", "😂", "🎉", "😮"];

interface Session {
  accessToken: string;
  user: { name: string };
}

async function refreshSession(): Promise<Session | undefined> {
  try {
    const response = await fetch("/api/v1/sessions/refresh", {
      method: "POST",
      credentials: "same-origin",
      // No body: the refresh route then reads the HttpOnly cookie (and insists on this header against CSRF).
      headers: { "X-Mirage-CSRF": "1" },
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as Partial<Session>;
    return typeof body.accessToken === "string" && body.user ? (body as Session) : undefined;
  } catch {
    return undefined;
  }
}

async function api(session: Session, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(path, {
    method,
    credentials: "same-origin",
    headers: { authorization: `Bearer ${session.accessToken}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    return body.error?.message ?? `Failed (${response.status})`;
  } catch {
    return `Failed (${response.status})`;
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  if (text !== undefined) el.textContent = text;
  return el;
}

let formCount = 0;

/** A labelled comment form; `parentId` makes it a reply. A posted comment reloads the page at it, rendered by the server. */
function commentForm(session: Session, postId: string, parentId: string | undefined, onCancel?: () => void): HTMLFormElement {
  const id = `comment-text-${++formCount}`;
  const form = element("form", { class: "comment-form", "data-parent-id": parentId ?? "" });
  const label = element("label", { for: id }, parentId ? "Your reply" : "Your comment");
  const textarea = element("textarea", { id, name: "body", required: "", maxlength: "10000" });
  const actions = element("div", { class: "form-actions" });
  const submit = element("button", { type: "submit", class: "button" }, parentId ? "Reply" : "Comment");
  actions.append(submit);
  if (onCancel) {
    const cancel = element("button", { type: "button", class: "button secondary" }, "Cancel");
    cancel.addEventListener("click", onCancel);
    actions.append(cancel);
  }
  const status = element("p", { class: "form-status", role: "status", "aria-live": "polite" });
  form.append(label, textarea, actions, status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = textarea.value.trim();
    if (body === "") return;
    submit.disabled = true;
    status.textContent = "Sending…";
    void api(session, "POST", `/api/v1/posts/${encodeURIComponent(postId)}/comments`, { body, ...(parentId ? { parentId } : {}) }).then(
      async (response) => {
        if (response.ok) {
          const comment = (await response.json()) as { id: string };
          status.textContent = "Posted.";
          location.hash = `comment-${comment.id}`;
          location.reload();
          return;
        }
        // The text stays in the box, so nothing typed is lost.
        status.textContent = await errorText(response);
        submit.disabled = false;
      },
      () => {
        status.textContent = "Could not reach the server; your text is still here.";
        submit.disabled = false;
      },
    );
  });
  return form;
}

function addReplyButtons(session: Session, postId: string): void {
  for (const article of document.querySelectorAll<HTMLElement>("article.comment:not(.comment-deleted)")) {
    const commentId = article.dataset.commentId;
    if (!commentId) continue;
    const button = element("button", { type: "button", class: "reply-button", "aria-expanded": "false" }, "Reply");
    button.addEventListener("click", () => {
      const open = article.querySelector("form.comment-form");
      if (open) return;
      const form = commentForm(session, postId, commentId, () => {
        form.remove();
        button.setAttribute("aria-expanded", "false");
        button.focus();
      });
      button.setAttribute("aria-expanded", "true");
      article.append(form);
      form.querySelector("textarea")?.focus();
    });
    article.append(button);
  }
}

/** Turns a reaction list into toggle buttons (the reader's own pressed), plus the usual choices. */
function reactionButtons(session: Session, list: HTMLElement, mine: ReadonlySet<string>): void {
  const kind = list.dataset.targetKind === "comment" ? "comments" : "posts";
  const id = list.dataset.targetId ?? "";
  const counts = new Map<string, number>();
  for (const item of list.querySelectorAll<HTMLElement>(".reaction")) counts.set(item.dataset.key ?? "", Number(item.querySelector(".reaction-count")?.textContent ?? "0"));
  for (const key of REACTION_CHOICES) if (!counts.has(key)) counts.set(key, 0);
  list.replaceChildren();
  for (const [key, count] of counts) {
    let pressed = mine.has(key);
    let n = count;
    const button = element("button", { type: "button", class: "reaction-button", "data-key": key });
    const show = () => {
      button.setAttribute("aria-pressed", String(pressed));
      button.setAttribute("aria-label", `${key} ${n} ${n === 1 ? "reaction" : "reactions"}${pressed ? ", yours" : ""}`);
      button.replaceChildren(element("span", { "aria-hidden": "true" }, key), element("span", { class: "reaction-count", "aria-hidden": "true" }, n > 0 ? String(n) : ""));
    };
    show();
    button.addEventListener("click", () => {
      button.disabled = true;
      const method = pressed ? "DELETE" : "PUT";
      void api(session, method, `/api/v1/${kind}/${encodeURIComponent(id)}/reactions/${encodeURIComponent(key)}`).then(
        (response) => {
          button.disabled = false;
          if (!response.ok && response.status !== 409 && response.status !== 404) return;
          pressed = !pressed;
          n = Math.max(0, n + (pressed ? 1 : -1));
          show();
        },
        () => {
          button.disabled = false;
        },
      );
    });
    list.append(element("li", {}, undefined));
    list.lastElementChild!.append(button);
  }
}

async function enhancePost(session: Session, section: HTMLElement): Promise<void> {
  const postId = section.dataset.postId!;
  if (section.dataset.commentsOpen === "true") {
    const slot = section.querySelector<HTMLElement>(".comment-slot");
    slot?.replaceChildren(commentForm(session, postId, undefined));
    addReplyButtons(session, postId);
  }
  const post = await api(session, "GET", `/api/v1/posts/${encodeURIComponent(postId)}`);
  const myPost = post.ok ? new Set(((await post.json()) as { myReactions?: string[] }).myReactions ?? []) : new Set<string>();
  const myComments = new Map<string, Set<string>>();
  const comments = await api(session, "GET", `/api/v1/posts/${encodeURIComponent(postId)}/comments?limit=200`);
  if (comments.ok) {
    for (const c of ((await comments.json()) as { comments: { id: string; myReactions?: string[] }[] }).comments) myComments.set(c.id, new Set(c.myReactions ?? []));
  }
  for (const list of document.querySelectorAll<HTMLElement>("ul.reactions[data-target-id]")) {
    const id = list.dataset.targetId ?? "";
    reactionButtons(session, list, list.dataset.targetKind === "post" ? myPost : (myComments.get(id) ?? new Set()));
  }
  for (const article of document.querySelectorAll<HTMLElement>("article.comment:not(.comment-deleted)")) {
    if (article.querySelector("ul.reactions")) continue;
    const list = element("ul", { class: "reactions", "aria-label": "Reactions", "data-target-kind": "comment", "data-target-id": article.dataset.commentId ?? "" });
    article.querySelector(".comment-body")?.after(list);
    reactionButtons(session, list, myComments.get(article.dataset.commentId ?? "") ?? new Set());
  }
}

async function main(): Promise<void> {
  const section = document.querySelector<HTMLElement>("section.comments-section[data-post-id]");
  const signedOutLinks = document.querySelectorAll<HTMLElement>("[data-signed-out]");
  // Only pages that can use a session ask for one: a refresh rotates the cookie.
  if (!section) return;
  const session = await refreshSession();
  if (!session) return;
  for (const link of signedOutLinks) link.closest("li")?.remove();
  const nav = document.querySelector(".site-nav ul");
  if (nav) {
    const item = element("li");
    item.append(element("a", { href: "/app/" }, `Open the app (${session.user.name})`));
    nav.append(item);
  }
  await enhancePost(session, section);
}

void main();
