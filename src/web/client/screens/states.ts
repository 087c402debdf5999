import { h } from "../dom.js";
import { ApiFailure } from "../transport.js";

/** The loading, empty and error states every list shows the same way. */
export const loadingState = (what: string) => h("p", { class: "state state-loading", role: "status" }, `Loading ${what}…`);

export const emptyState = (text: string) => h("p", { class: "state state-empty" }, text);

export const errorState = (text: string, retry: () => void) =>
  h("div", { class: "state state-error", role: "alert" }, h("p", null, text), h("button", { type: "button", onclick: retry }, "Try again"));

/** Runs `fn` at most once per `ms` trailing edge: a burst of sync events makes one reload. */
export function coalesce(fn: () => void, ms = 150): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}

/** Disables a form's submit button while `work` runs. */
export function submitting<T>(form: HTMLFormElement, work: Promise<T>): Promise<T> {
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  if (button) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  const done = () => {
    if (button) button.disabled = false;
    form.removeAttribute("aria-busy");
  };
  work.then(done, done);
  return work;
}

/** What to tell the person about a failed call. */
export function messageOf(error: unknown, fallback: string): string {
  if (error instanceof ApiFailure) return error.code === "NETWORK" ? "The server could not be reached. Check your connection." : error.message;
  return fallback;
}
