/**
 * The client's only way to the server: every JSON API call, the long-poll sync and the session.
 * Screens never call `fetch` themselves, so what travels (and, later, how private rooms are
 * encrypted in the browser) is decided here alone. Uses no DOM API: it runs under Node in tests.
 */
import type { ApiMessage, ApiRoom, ApiUser, CallView, MessagePage, ReactionSummary, SyncEvent } from "./apiTypes.js";

export type { ApiMessage, ApiRoom, ApiUser, CallView, MessagePage, ReactionSummary, SyncEvent } from "./apiTypes.js";

/** A failed call: the server's stable error code and message, or `NETWORK` when nothing answered. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From `Retry-After`, when the server said how long to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

export type SessionChange = { kind: "signedIn"; user: ApiUser } | { kind: "signedOut" } | { kind: "expired" };

export interface TransportOptions {
  /** Origin-relative by default. */
  base?: string;
  fetch?: typeof fetch;
  /** `navigator.onLine` in the browser; absent: assumed online. */
  online?: () => boolean;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Long-poll wait asked of the server, in ms. */
  pollTimeoutMs?: number;
}

/** What a sync subscriber hears: new events, a gap (reload what you show), or connectivity. */
export interface SyncListener {
  events(events: SyncEvent[]): void;
  /** The server no longer knows our position: events may have been missed. */
  gap(): void;
  connectivity(online: boolean): void;
}

const CSRF = { "X-Mirage-CSRF": "1" };
const BACKOFF = { baseMs: 1000, capMs: 30_000 };

/** Capped exponential back-off with full jitter: a crowd of clients does not return in step. */
export function nextDelay(failures: number, limits: { baseMs: number; capMs: number }, random: () => number): number {
  const ceiling = Math.min(limits.capMs, limits.baseMs * 2 ** Math.min(failures - 1, 20));
  return Math.max(limits.baseMs / 2, Math.round(random() * ceiling));
}

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export class Transport {
  private accessToken: string | undefined;
  private refreshing: Promise<boolean> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private sessionListeners = new Set<(change: SessionChange) => void>();
  private syncStop: AbortController | undefined;
  private wake: AbortController | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;
  user: ApiUser | undefined;

  constructor(private readonly options: TransportOptions = {}) {
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.base = options.base ?? "";
  }

  onSession(listener: (change: SessionChange) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  get signedIn(): boolean {
    return this.accessToken !== undefined;
  }

  /** On page load: the refresh cookie (if any) buys a fresh access token. */
  async resume(): Promise<boolean> {
    return this.refresh(false);
  }

  async signUp(username: string, password: string): Promise<ApiUser> {
    return this.startSession("/api/v1/accounts", username, password);
  }

  async signIn(username: string, password: string): Promise<ApiUser> {
    return this.startSession("/api/v1/sessions", username, password);
  }

  async signOut(): Promise<void> {
    try {
      await this.request("DELETE", "/api/v1/sessions", undefined, { headers: CSRF, retryUnauthorized: false });
    } catch (error) {
      // Signed out anyway below; a session the server already ended is no reason to stay in.
      if (!(error instanceof ApiFailure) || error.status !== 401) throw error;
    } finally {
      this.endSession({ kind: "signedOut" });
    }
  }

  rooms = () => this.request<{ rooms: ApiRoom[] }>("GET", "/api/v1/rooms").then((r) => r.rooms);
  room = (roomId: string) => this.request<ApiRoom>("GET", `/api/v1/rooms/${enc(roomId)}`);
  createRoom = (body: { name: string; topic?: string; invite?: string[] }) => this.request<ApiRoom>("POST", "/api/v1/rooms", body);
  openDm = (handle: string) => this.request<ApiRoom>("POST", "/api/v1/dms", { handle });
  invite = (roomId: string, handle: string) => this.request<{ member: string; membership: string }>("POST", `/api/v1/rooms/${enc(roomId)}/members`, { handle });
  join = (roomId: string) => this.request<ApiRoom>("POST", `/api/v1/rooms/${enc(roomId)}/join`);
  leave = (roomId: string) => this.request<void>("DELETE", `/api/v1/rooms/${enc(roomId)}/members/me`);

  messages(roomId: string, page: { before?: number; threadId?: string; limit?: number } = {}): Promise<MessagePage> {
    const query = new URLSearchParams();
    if (page.before !== undefined) query.set("before", String(page.before));
    if (page.threadId !== undefined) query.set("threadId", page.threadId);
    query.set("limit", String(page.limit ?? 30));
    return this.request<MessagePage>("GET", `/api/v1/rooms/${enc(roomId)}/messages?${query}`);
  }

  send = (roomId: string, message: { body: string; parentId?: string; threadId?: string }) =>
    this.request<ApiMessage>("POST", `/api/v1/rooms/${enc(roomId)}/messages`, message);
  edit = (messageId: string, body: string) => this.request<ApiMessage>("PATCH", `/api/v1/messages/${enc(messageId)}`, { body });
  deleteMessage = (messageId: string) => this.request<void>("DELETE", `/api/v1/messages/${enc(messageId)}`);
  react = (messageId: string, key: string) => this.request<ReactionSummary>("PUT", `/api/v1/messages/${enc(messageId)}/reactions/${enc(key)}`);
  unreact = (messageId: string, key: string) => this.request<ReactionSummary>("DELETE", `/api/v1/messages/${enc(messageId)}/reactions/${enc(key)}`);
  markRead = (roomId: string, messageId: string) => this.request<void>("PUT", `/api/v1/rooms/${enc(roomId)}/read`, { messageId });

  /** Which optional routes (plugins) this server offers, from its OpenAPI description. */
  async features(): Promise<{ calls: boolean; expiry: boolean }> {
    const doc = await this.request<{ paths?: Record<string, unknown> }>("GET", "/api/v1/openapi.json");
    const paths = Object.keys(doc.paths ?? {});
    return { calls: paths.some((p) => p.endsWith("/call")), expiry: paths.some((p) => p.endsWith("/expiry")) };
  }

  /** The room's running call, or `undefined` when none runs. */
  async call(roomId: string): Promise<CallView | undefined> {
    try {
      return await this.request<CallView>("GET", `/api/v1/rooms/${enc(roomId)}/call`);
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404) return undefined;
      throw error;
    }
  }
  startCall = (roomId: string) => this.request<CallView>("POST", `/api/v1/rooms/${enc(roomId)}/call`, {});
  endCall = (roomId: string) => this.request<void>("DELETE", `/api/v1/rooms/${enc(roomId)}/call`);
  setExpiry = (roomId: string, seconds: number | null) => this.request<{ seconds: number | null }>("PUT", `/api/v1/rooms/${enc(roomId)}/expiry`, { seconds });

  /**
   * One JSON call with the access token. A 401 refreshes once and retries; when the refresh
   * fails the session has expired and listeners hear it.
   */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { headers?: Record<string, string>; retryUnauthorized?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    const send = () => this.raw(method, path, body, { ...options.headers, ...(this.accessToken ? { Authorization: `Bearer ${this.accessToken}` } : {}) }, options.signal);
    let response = await send();
    if (response.status === 401 && options.retryUnauthorized !== false && this.accessToken !== undefined) {
      if (await this.refresh(true)) response = await send();
    }
    return this.parse<T>(response);
  }

  /** Starts (or restarts) the long-poll loop; returns its stop. One loop runs at a time. */
  startSync(listener: SyncListener): () => void {
    this.syncStop?.abort();
    const stop = new AbortController();
    this.syncStop = stop;
    void this.syncLoop(listener, stop.signal);
    return () => stop.abort();
  }

  /** The browser came back online: poll now instead of finishing the back-off. */
  reconnectNow(): void {
    this.wake?.abort();
  }

  private async syncLoop(listener: SyncListener, signal: AbortSignal): Promise<void> {
    let since: string | undefined;
    let failures = 0;
    let online: boolean | undefined;
    const setOnline = (value: boolean) => {
      if (online === value) return;
      online = value;
      listener.connectivity(value);
    };
    const sleep = this.options.sleep ?? abortableSleep;
    while (!signal.aborted && this.signedIn) {
      if (this.options.online && !this.options.online()) setOnline(false);
      let waitMs = 0;
      try {
        const query = new URLSearchParams({ timeout: String(this.options.pollTimeoutMs ?? 25_000) });
        if (since !== undefined) query.set("since", since);
        const answer = await this.request<{ events: SyncEvent[]; next: string }>("GET", `/api/v1/sync?${query}`, undefined, { signal });
        since = answer.next;
        failures = 0;
        setOnline(true);
        if (answer.events.length > 0) listener.events(answer.events);
      } catch (error) {
        if (signal.aborted || !this.signedIn) return;
        if (error instanceof ApiFailure && error.status === 400 && since !== undefined) {
          // Our position is unknown to the server (e.g. it restarted): start from now, reload.
          since = undefined;
          listener.gap();
          continue;
        }
        failures += 1;
        if (!(error instanceof ApiFailure) || error.status >= 500 || error.status === 429) setOnline(false);
        waitMs = error instanceof ApiFailure && error.retryAfterMs !== undefined ? error.retryAfterMs : nextDelay(failures, BACKOFF, this.options.random ?? Math.random);
      }
      if (waitMs > 0) {
        const wake = new AbortController();
        this.wake = wake;
        const both = AbortSignal.any([signal, wake.signal]);
        await sleep(waitMs, both);
        // Back online after a gap: what happened meanwhile arrives with `since`, nothing to reload.
      }
    }
  }

  private async startSession(path: string, username: string, password: string): Promise<ApiUser> {
    const response = await this.raw("POST", path, { username, password, refreshIn: "cookie" }, {});
    const tokens = await this.parse<{ accessToken: string; expiresIn?: number; user: ApiUser }>(response);
    this.adopt(tokens);
    return tokens.user;
  }

  /** Single-flight: concurrent 401s share one refresh (the cookie rotates, so two would race). */
  private refresh(wasSignedIn: boolean): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        const response = await this.raw("POST", "/api/v1/sessions/refresh", undefined, CSRF);
        if (response.status === 401 || response.status === 400) {
          if (wasSignedIn) this.endSession({ kind: "expired" });
          return false;
        }
        this.adopt(await this.parse<{ accessToken: string; expiresIn?: number; user: ApiUser }>(response));
        return true;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private adopt(tokens: { accessToken: string; expiresIn?: number; user: ApiUser }): void {
    const first = this.accessToken === undefined || this.user?.name !== tokens.user.name;
    this.accessToken = tokens.accessToken;
    this.user = tokens.user;
    clearTimeout(this.refreshTimer);
    if (tokens.expiresIn !== undefined && tokens.expiresIn > 0) {
      // Renew at 80% of the lifetime so a request rarely meets an expired token.
      this.refreshTimer = setTimeout(() => void this.refresh(true).catch(() => undefined), tokens.expiresIn * 800);
    }
    if (first) this.emit({ kind: "signedIn", user: tokens.user });
  }

  private endSession(change: SessionChange): void {
    const was = this.accessToken !== undefined;
    this.accessToken = undefined;
    this.user = undefined;
    clearTimeout(this.refreshTimer);
    this.syncStop?.abort();
    if (was) this.emit(change);
  }

  private emit(change: SessionChange): void {
    for (const listener of this.sessionListeners) listener(change);
  }

  private async raw(method: string, path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    try {
      return await this.fetchImpl(this.base + path, {
        method,
        headers: { Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        credentials: "same-origin",
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiFailure(0, "NETWORK", "The server could not be reached.");
    }
  }

  private async parse<T>(response: Response): Promise<T> {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (response.ok) return data as T;
    const error = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    const retryAfter = Number(response.headers.get("retry-after"));
    throw new ApiFailure(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `The server answered ${response.status}.`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    );
  }
}

const enc = encodeURIComponent;
