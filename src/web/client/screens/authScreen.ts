import type { Screen } from "../context.js";
import { h } from "../dom.js";
import { ApiFailure } from "../transport.js";

/** Sign in or sign up: one form, the session's refresh token kept in an HttpOnly cookie. */
export function authScreen(mode: "sign-in" | "sign-up"): Screen {
  return {
    mount(root, ctx) {
      const signUp = mode === "sign-up";
      const notice = ctx.takeNotice();
      const error = h("p", { class: "form-error", role: "alert", id: "auth-error" });
      const username = h("input", { id: "auth-username", name: "username", autocomplete: "username", required: true, maxLength: 64, spellcheck: false, autocapitalize: "none" });
      const password = h("input", {
        id: "auth-password",
        name: "password",
        type: "password",
        autocomplete: signUp ? "new-password" : "current-password",
        required: true,
        minLength: signUp ? 8 : 1,
      });
      const submit = h("button", { type: "submit", class: "button-primary" }, signUp ? "Create account" : "Sign in");
      const form = h(
        "form",
        { class: "auth-form", "aria-describedby": "auth-error", novalidate: false },
        h("div", { class: "field" }, h("label", { for: "auth-username" }, "Username"), username),
        h("div", { class: "field" }, h("label", { for: "auth-password" }, "Password"), password, signUp ? h("p", { class: "hint" }, "At least 8 characters.") : null),
        error,
        submit,
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        error.textContent = "";
        submit.disabled = true;
        form.setAttribute("aria-busy", "true");
        const action = signUp ? ctx.transport.signUp(username.value.trim(), password.value) : ctx.transport.signIn(username.value.trim(), password.value);
        action.then(
          () => ctx.navigate("/app/", { replace: true }),
          (failure: unknown) => {
            submit.disabled = false;
            form.removeAttribute("aria-busy");
            error.textContent = describe(failure, signUp);
            password.focus();
          },
        );
      });
      root.append(
        h(
          "section",
          { class: "auth" },
          h("h1", null, signUp ? "Create your Mirage account" : "Sign in to Mirage"),
          notice ? h("p", { class: "notice", role: "status" }, notice) : null,
          form,
          h(
            "p",
            { class: "auth-switch" },
            signUp ? "Already have an account? " : "New here? ",
            h("a", { href: signUp ? "/app/sign-in" : "/app/sign-up" }, signUp ? "Sign in" : "Create an account"),
          ),
        ),
      );
      return () => undefined;
    },
  };
}

function describe(failure: unknown, signUp: boolean): string {
  if (!(failure instanceof ApiFailure)) return "Something went wrong. Try again.";
  if (failure.code === "NETWORK") return "The server could not be reached. Check your connection and try again.";
  if (failure.status === 401) return "That username and password do not match.";
  if (failure.status === 429) return "Too many attempts. Wait a moment and try again.";
  if (signUp && failure.status === 409) return "That name is taken, or looks too much like another account's.";
  return failure.message;
}
