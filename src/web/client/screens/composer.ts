import { h } from "../dom.js";
import { drafts } from "../drafts.js";

export interface Composer {
  element: HTMLFormElement;
  focus(): void;
  /** Shows what the next message answers, with a way to cancel it. */
  setContext(context: HTMLElement | null): void;
}

/**
 * A message box: Enter sends, Shift+Enter starts a new line. What is typed is saved as the
 * room's draft on every keystroke; sending hands the text over and clears the box.
 */
export function composer(options: { id: string; label: string; roomId: string; threadId?: string; onSend(body: string): void }): Composer {
  const box = h("textarea", {
    id: options.id,
    class: "composer-input",
    rows: 2,
    maxLength: 20000,
    placeholder: "Write a message (Markdown)",
    "aria-describedby": `${options.id}-hint`,
  });
  box.value = drafts.get(options.roomId, options.threadId);
  const context = h("div", { class: "composer-context" });
  const form = h(
    "form",
    { class: "composer" },
    context,
    h("label", { for: options.id, class: "visually-hidden" }, options.label),
    h("div", { class: "composer-row" }, box, h("button", { type: "submit", class: "button-primary" }, "Send")),
    h("p", { class: "hint", id: `${options.id}-hint` }, "Enter sends, Shift+Enter adds a line."),
  );
  const send = () => {
    const body = box.value;
    if (!body.trim()) return;
    box.value = "";
    drafts.set(options.roomId, options.threadId, "");
    options.onSend(body);
  };
  box.addEventListener("input", () => drafts.set(options.roomId, options.threadId, box.value));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
    box.focus();
  });
  return {
    element: form,
    focus: () => box.focus(),
    setContext: (node) => context.replaceChildren(...(node ? [node] : [])),
  };
}
