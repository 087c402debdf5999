import type { Screen } from "./context.js";
import type { RoutePattern } from "./matchRoute.js";
import { authScreen } from "./screens/authScreen.js";
import { commentModerationScreen } from "./screens/commentModerationScreen.js";
import { postEditorScreen } from "./screens/postEditorScreen.js";
import { postListScreen } from "./screens/postListScreen.js";
import { profileEditorScreen } from "./screens/profileEditorScreen.js";
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

/** Every screen of the client. */
export const routes: Route[] = [
  { path: "/app/", nav: "Rooms", load: () => roomListScreen() },
  { path: "/app/rooms/:roomId", load: ({ roomId }) => roomScreen(roomId!) },
  { path: "/app/posts", nav: "Posts", load: () => postListScreen() },
  { path: "/app/posts/new", load: () => postEditorScreen(undefined) },
  { path: "/app/posts/:postId", load: ({ postId }) => postEditorScreen(postId!) },
  { path: "/app/posts/:postId/comments", load: ({ postId }) => commentModerationScreen(postId!) },
  { path: "/app/profile", nav: "Profile", load: () => profileEditorScreen(pagesStylesheets) },
  { path: "/app/sign-in", public: true, load: () => authScreen("sign-in") },
  { path: "/app/sign-up", public: true, load: () => authScreen("sign-up") },
];

/** The public pages' stylesheet, named by the shell page, for previews laid out as those pages are. */
function pagesStylesheets(): string[] {
  const href = document.querySelector<HTMLMetaElement>('meta[name="mirage-pages-css"]')?.content;
  return href ? [href] : [];
}
