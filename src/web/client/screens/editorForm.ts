import { h } from "../dom.js";

/** A labelled control with its hint and its own error message, tied together for assistive technology. */
export interface Field<E extends HTMLInputElement | HTMLTextAreaElement> {
  control: E;
  error: HTMLElement;
  element: HTMLElement;
}

export function field<E extends HTMLInputElement | HTMLTextAreaElement>(id: string, label: string, control: E, hint?: string): Field<E> {
  control.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  control.setAttribute("aria-describedby", hint ? `${id}-hint ${id}-error` : `${id}-error`);
  const element = h("div", { class: "field" }, h("label", { for: id }, label), hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null, control, error);
  return { control, error, element };
}

export function setFieldError(target: Field<HTMLInputElement | HTMLTextAreaElement>, message: string | undefined): void {
  target.error.textContent = message ?? "";
  target.error.hidden = message === undefined;
  if (message === undefined) target.control.removeAttribute("aria-invalid");
  else target.control.setAttribute("aria-invalid", "true");
}

/** "Delete?" asked in the page itself: no browser dialog, keyboard-reachable, focus kept in place. */
export function confirmInline(anchor: HTMLButtonElement, question: string, confirmLabel: string, onConfirm: () => void): void {
  const box = h("span", { class: "confirm", role: "group", "aria-label": question });
  const cancel = () => {
    box.remove();
    anchor.hidden = false;
    anchor.focus();
  };
  const yes = h("button", { type: "button", class: "button-danger", onclick: () => (box.remove(), (anchor.hidden = false), onConfirm()) }, confirmLabel);
  box.append(h("span", { class: "confirm-question" }, question, " "), yes, " ", h("button", { type: "button", onclick: cancel }, "Cancel"));
  anchor.hidden = true;
  anchor.after(box);
  yes.focus();
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
