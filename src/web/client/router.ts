import type { Screen } from "./context.js";
import { authScreen } from "./screens/authScreen.js";
import { roomListScreen } from "./screens/roomListScreen.js";
import { roomScreen } from "./screens/roomScreen.js";

export interface Route {
  /** `/app/...` with `:name` segments. */
  path: string;
  /** Shown in the main nav under this label, in table order. */
  nav?: string;
  /** Reachable signed out (sign in / sign up); every other route sends strangers to sign in. */
  public?: boolean;
  load(params: Record<string, string>): Screen;
}

/** Every screen of the client. The "Profile" and "Posts" nav entries are added here with their screens. */
export const routes: Route[] = [
  { path: "/app/", nav: "Rooms", load: () => roomListScreen() },
  { path: "/app/rooms/:roomId", load: ({ roomId }) => roomScreen(roomId!) },
  { path: "/app/sign-in", public: true, load: () => authScreen("sign-in") },
  { path: "/app/sign-up", public: true, load: () => authScreen("sign-up") },
];

export function matchRoute(table: readonly Route[], pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const path = pathname === "/app" ? "/app/" : pathname;
  for (const route of table) {
    const want = route.path.split("/");
    const got = path.split("/");
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const segment = want[i]!;
      if (segment.startsWith(":")) {
        try {
          params[segment.slice(1)] = decodeURIComponent(got[i]!);
        } catch {
          ok = false;
        }
        ok &&= got[i] !== "";
      } else ok = segment === got[i];
    }
    if (ok) return { route, params };
  }
  return undefined;
}
