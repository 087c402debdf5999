import type { ApiUser, SyncEvent, Transport } from "./transport.js";

/** A screen: mounted into the main region, it returns how to take itself down. */
export interface Screen {
  mount(root: HTMLElement, ctx: AppContext): () => void;
}

/** What every screen hears from the sync loop. */
export interface SyncSubscriber {
  events?(events: SyncEvent[]): void;
  /** Events may have been missed: reload what is shown. */
  gap?(): void;
}

export interface AppContext {
  transport: Transport;
  /** The signed-in account; screens behind sign-in may rely on it. */
  user(): ApiUser | undefined;
  navigate(path: string, options?: { replace?: boolean }): void;
  /** A short visible message (also read out); `error` ones are assertive. */
  toast(message: string, kind?: "info" | "error"): void;
  /** Read out by screen readers, not shown (e.g. a new message arrived). */
  announce(message: string): void;
  subscribe(subscriber: SyncSubscriber): () => void;
  /** Which optional server features (plugins) this instance offers. */
  features(): Promise<{ calls: boolean; expiry: boolean }>;
  /** Why the sign-in screen is shown, once (e.g. the session expired). */
  takeNotice(): string | undefined;
}
