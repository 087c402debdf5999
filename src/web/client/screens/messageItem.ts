import { h, setSanitizedHtml, textOfHtml } from "../dom.js";
import type { ApiMessage } from "../transport.js";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮"];

export interface MessageActions {
  me: string;
  /** Whether the reader may delete it: their own, or any in a group room they created. */
  canDelete(message: ApiMessage): boolean;
  parentOf(message: ApiMessage): ApiMessage | undefined;
  reply?(message: ApiMessage): void;
  openThread?(message: ApiMessage, opener: HTMLElement): void;
  toggleReaction(message: ApiMessage, key: string): Promise<void>;
  edit(message: ApiMessage, body: string): Promise<void>;
  remove(message: ApiMessage): Promise<void>;
}

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
export const excerpt = (text: string) => (text.length > 140 ? `${text.slice(0, 139)}…` : text);

/** One message: sender, time, the server's sanitized HTML, reply quote, reactions and actions. */
export function messageItem(message: ApiMessage, actions: MessageActions): HTMLElement {
  const sender = message.senderProfile?.displayName || message.sender;
  const header = h(
    "div",
    { class: "message-meta" },
    h("span", { class: "message-sender" }, sender),
    " ",
    h("time", { dateTime: message.createdAt, title: new Date(message.createdAt).toLocaleString() }, time(message.createdAt)),
    message.editedAt && !message.deleted ? h("span", { class: "message-edited" }, " (edited)") : null,
  );
  if (message.deleted) {
    return h("li", { class: "message message-deleted", id: `m-${message.id}` }, header, h("p", { class: "message-tombstone" }, "This message was deleted."));
  }
  const body = h("div", { class: "message-body" });
  setSanitizedHtml(body, message.html);
  const parent = message.parentId !== undefined && message.threadId === undefined ? actions.parentOf(message) : undefined;
  const quote =
    message.parentId !== undefined && message.threadId === undefined
      ? h(
          "blockquote",
          { class: "message-quote" },
          parent
            ? [h("span", { class: "message-quote-sender" }, `${parent.senderProfile?.displayName || parent.sender}: `), parent.deleted ? "(deleted)" : excerpt(textOfHtml(parent.html))]
            : "In reply to an earlier message",
        )
      : null;
  const item = h(
    "li",
    { class: `message${message.sender === actions.me ? " message-mine" : ""}${message.kind === "emote" ? " message-emote" : ""}`, id: `m-${message.id}` },
    header,
    quote,
    body,
    message.delivery ? h("p", { class: "message-undelivered" }, "Not delivered to Matrix users.") : null,
  );
  item.append(h("div", { class: "message-foot" }, reactionBar(message, actions), actionBar(message, actions, item, body)));
  return item;
}

function reactionBar(message: ApiMessage, actions: MessageActions): HTMLElement {
  const keys = Object.keys(message.reactions);
  const toggle = (key: string) => async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    try {
      await actions.toggleReaction(message, key);
    } finally {
      button.disabled = false;
    }
  };
  const picker = h(
    "div",
    { class: "reaction-picker", hidden: true, role: "group", "aria-label": "Pick a reaction" },
    QUICK_REACTIONS.map((key) => h("button", { type: "button", class: "reaction-choice", "aria-label": `React with ${key}`, onclick: toggle(key) }, key)),
  );
  const open = h("button", {
    type: "button",
    class: "button-quiet reaction-add",
    "aria-expanded": "false",
    onclick: () => {
      picker.hidden = !picker.hidden;
      open.setAttribute("aria-expanded", String(!picker.hidden));
      if (!picker.hidden) picker.querySelector("button")?.focus();
    },
  }, "React");
  return h(
    "div",
    { class: "reactions" },
    keys.map((key) => {
      const mine = message.myReactions.includes(key);
      const count = message.reactions[key]!;
      return h(
        "button",
        { type: "button", class: "reaction", "aria-pressed": String(mine), "aria-label": `${key} ${count}, ${mine ? "remove your reaction" : "react"}`, onclick: toggle(key) },
        `${key} ${count}`,
      );
    }),
    open,
    picker,
  );
}

function actionBar(message: ApiMessage, actions: MessageActions, item: HTMLElement, body: HTMLElement): HTMLElement {
  const bar = h("div", { class: "message-actions" });
  if (actions.reply) bar.append(h("button", { type: "button", class: "button-quiet", onclick: () => actions.reply!(message) }, "Reply"));
  if (actions.openThread && message.threadId === undefined) {
    const count = message.threadSummary?.count ?? 0;
    const opener = h("button", { type: "button", class: "button-quiet thread-open" }, count > 0 ? `Thread (${count})` : "Reply in thread");
    opener.addEventListener("click", () => actions.openThread!(message, opener));
    bar.append(opener);
  }
  if (message.sender === actions.me) {
    bar.append(h("button", { type: "button", class: "button-quiet", onclick: () => startEdit(message, actions, item, body) }, "Edit"));
  }
  if (!actions.canDelete(message)) return bar;
  const del = h("button", { type: "button", class: "button-quiet" }, "Delete");
  del.addEventListener("click", () => {
    const confirm = h("button", { type: "button", class: "button-danger" }, "Delete for everyone");
    const cancel = h("button", { type: "button", class: "button-quiet" }, "Keep");
    const ask = h("span", { class: "confirm", role: "group", "aria-label": "Delete this message?" }, confirm, cancel);
    del.replaceWith(ask);
    confirm.focus();
    cancel.addEventListener("click", () => {
      ask.replaceWith(del);
      del.focus();
    });
    confirm.addEventListener("click", () => {
      confirm.disabled = true;
      actions.remove(message).catch(() => {
        confirm.disabled = false;
      });
    });
  });
  bar.append(del);
  return bar;
}

function startEdit(message: ApiMessage, actions: MessageActions, item: HTMLElement, body: HTMLElement): void {
  const id = `edit-${message.id}`;
  const box = h("textarea", { id, class: "composer-input", rows: 3, maxLength: 20000 });
  box.value = message.body;
  const save = h("button", { type: "submit", class: "button-primary" }, "Save");
  const form = h("form", { class: "message-edit" }, h("label", { for: id, class: "visually-hidden" }, "Edit message"), box, h("div", { class: "form-buttons" }, save, h("button", { type: "button", class: "button-quiet", onclick: () => stop() }, "Cancel")));
  const stop = () => {
    item.classList.remove("is-editing");
    form.replaceWith(body);
    item.querySelector<HTMLButtonElement>(".message-actions button")?.focus();
  };
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      stop();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!box.value.trim() || box.value === message.body) return stop();
    save.disabled = true;
    // No longer held as "editing": the saved message replaces this item when it arrives.
    item.classList.remove("is-editing");
    actions.edit(message, box.value).catch(() => {
      item.classList.add("is-editing");
      save.disabled = false;
    });
  });
  item.classList.add("is-editing");
  body.replaceWith(form);
  box.focus();
}

/** A message on its way: its text stays here, with Retry, until the server has it. */
export function pendingItem(body: string, onRetry: () => void, onDiscard: () => void): { element: HTMLElement; sending(): void; failed(reason: string): void } {
  const text = h("p", { class: "message-text" }, body);
  const status = h("p", { class: "message-status", role: "status" });
  const buttons = h("div", { class: "message-actions" });
  const element = h("li", { class: "message message-mine message-pending" }, h("div", { class: "message-meta" }, h("span", { class: "message-sender" }, "You")), text, status, buttons);
  return {
    element,
    sending() {
      element.classList.remove("message-failed");
      status.textContent = "Sending…";
      buttons.replaceChildren();
    },
    failed(reason) {
      element.classList.add("message-failed");
      status.textContent = `Not sent: ${reason}`;
      const retry = h("button", { type: "button", class: "button-primary", onclick: onRetry }, "Retry");
      buttons.replaceChildren(retry, h("button", { type: "button", class: "button-quiet", onclick: onDiscard }, "Discard"));
    },
  };
}
