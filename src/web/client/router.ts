import type { Screen } from "./context.js";
import type { RoutePattern } from "./matchRoute.js";
import { authScreen } from "./screens/authScreen.js";
import { roomListScreen } from "./screens/roomListScreen.js";
import { roomScreen } from "./screens/roomScreen.js";

export { matchRoute } from "./matchRoute.js";

export interface Route extends RoutePattern {
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
