/** The chat client's entry: session, sync, router and the page chrome around the screens. */
import type { AppContext, SyncSubscriber } from "./context.js";
import { h, replaceChildren } from "./dom.js";
import { matchRoute, routes } from "./router.js";
import { Transport } from "./transport.js";

const byId = (id: string) => document.getElementById(id)!;
const main = byId("main");
const nav = byId("app-nav");
const account = byId("app-account");
const offline = byId("app-offline");
const announcer = byId("app-announcer");
const toasts = byId("app-toasts");

const transport = new Transport({ online: () => navigator.onLine });
const subscribers = new Set<SyncSubscriber>();
let notice: string | undefined;
let unmount: (() => void) | undefined;
let stopSync: (() => void) | undefined;
let features: Promise<{ calls: boolean; expiry: boolean }> | undefined;

const ctx: AppContext = {
  transport,
  user: () => transport.user,
  navigate(path, options) {
    if (options?.replace) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
    render();
  },
  toast(message, kind = "info") {
    const item = h("p", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
    toasts.append(item);
    setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
  },
  announce(message) {
    // Replaced, not appended: screen readers read the change.
    announcer.textContent = message;
  },
  subscribe(subscriber) {
    subscribers.add(subscriber);
    return () => subscribers.delete(subscriber);
  },
  features() {
    features ??= transport.features().catch(() => {
      features = undefined;
      return { calls: false, expiry: false };
    });
    return features;
  },
  takeNotice() {
    const taken = notice;
    notice = undefined;
    return taken;
  },
};

function setOffline(isOffline: boolean): void {
  offline.hidden = !isOffline;
  document.body.classList.toggle("is-offline", isOffline);
}

function startSync(): void {
  stopSync?.();
  stopSync = transport.startSync({
    events: (events) => subscribers.forEach((s) => s.events?.(events)),
    gap: () => subscribers.forEach((s) => s.gap?.()),
    connectivity: (online) => setOffline(!online || !navigator.onLine),
  });
}

function renderChrome(): void {
  const user = transport.user;
  const here = location.pathname;
  replaceChildren(
    nav,
    user
      ? h(
          "ul",
          null,
          routes
            .filter((r) => r.nav)
            .map((r) => h("li", null, h("a", { href: r.path, "aria-current": here === r.path || (r.path !== "/app/" && here.startsWith(r.path)) ? "page" : undefined }, r.nav!))),
        )
      : null,
  );
  replaceChildren(
    account,
    user
      ? [
          h("span", { class: "account-name" }, "Signed in as ", h("strong", null, user.displayName || user.name)),
          h("button", { type: "button", class: "button-quiet", onclick: () => void signOut() }, "Sign out"),
        ]
      : null,
  );
}

async function signOut(): Promise<void> {
  try {
    await transport.signOut();
  } catch {
    ctx.toast("Signing out did not reach the server; you are signed out here.", "error");
  }
}

function render(): void {
  const matched = matchRoute(routes, location.pathname);
  const signedIn = transport.signedIn;
  if (!matched) {
    history.replaceState(null, "", "/app/");
    return render();
  }
  if (!matched.route.public && !signedIn) {
    history.replaceState(null, "", "/app/sign-in");
    return render();
  }
  if (matched.route.public && signedIn) {
    history.replaceState(null, "", "/app/");
    return render();
  }
  unmount?.();
  main.replaceChildren();
  renderChrome();
  unmount = matched.route.load(matched.params).mount(main, ctx);
  // Focus follows navigation: to the new screen's heading, so screen readers start there.
  const heading = main.querySelector<HTMLElement>("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
    document.title = `${heading.textContent ?? ""} · Mirage`;
  }
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = (event.target as Element | null)?.closest?.("a[href]");
  if (!(link instanceof HTMLAnchorElement) || link.target || link.origin !== location.origin || !link.pathname.startsWith("/app")) return;
  event.preventDefault();
  ctx.navigate(link.pathname + link.search);
});
window.addEventListener("popstate", render);
window.addEventListener("offline", () => setOffline(true));
window.addEventListener("online", () => {
  setOffline(false);
  transport.reconnectNow();
});

transport.onSession((change) => {
  if (change.kind === "signedIn") {
    startSync();
    return;
  }
  stopSync?.();
  if (change.kind === "expired") notice = "Your session expired. Sign in again; your unsent messages are kept.";
  render();
});

void (async () => {
  try {
    await transport.resume();
  } catch {
    // Unreachable server: the sign-in screen says so when it is used.
  }
  setOffline(!navigator.onLine);
  render();
})();
