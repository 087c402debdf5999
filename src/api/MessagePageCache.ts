import type { DomainEvent, DomainEventBus } from "../platform/events/DomainEvent.js";

interface CachedPage {
  /** The room's version when the page was read: a later change makes it stale. */
  version: number;
  epoch: number;
  body: string;
}

export interface MessagePageCacheOptions {
  /** Pages kept at most; least recently used dropped first. */
  maxPages?: number;
  /** Serialized bytes kept at most (UTF-16 code units, a close enough measure). */
  maxChars?: number;
}

/**
 * Serialized message pages per (room, reader, page), answered again while nothing in the room
 * changed. Every change to a room's messages, reactions on them or members is a committed domain
 * event; each bumps the room's version, and a page cached under an older version is never
 * served. The version is read before the page is, so a change that commits while a page is
 * being read leaves that page stale rather than cached as current. A reaction event that does
 * not name its room bumps every room. Access is checked on every request, outside the cache.
 */
export class MessagePageCache {
  private readonly pages = new Map<string, CachedPage>();
  /** One number per room that changed since start: never pruned, or a reset could revive a stale page. */
  private readonly versions = new Map<string, number>();
  private epoch = 0;
  private chars = 0;
  private readonly maxPages: number;
  private readonly maxChars: number;

  constructor(events: DomainEventBus, options: MessagePageCacheOptions = {}) {
    this.maxPages = options.maxPages ?? 5000;
    this.maxChars = options.maxChars ?? 32 * 1024 * 1024;
    events.subscribe(({ event }) => this.changed(event));
  }

  /** The room's current version; read it before reading the page you may then `put`. */
  version(roomId: string): { version: number; epoch: number } {
    return { version: this.versions.get(roomId) ?? 0, epoch: this.epoch };
  }

  get(key: PageKey, at: { version: number; epoch: number }): string | undefined {
    const id = pageId(key);
    const page = this.pages.get(id);
    if (!page) return undefined;
    if (page.version !== at.version || page.epoch !== at.epoch) {
      this.drop(id, page);
      return undefined;
    }
    // Most recently used last.
    this.pages.delete(id);
    this.pages.set(id, page);
    return page.body;
  }

  put(key: PageKey, at: { version: number; epoch: number }, body: string): void {
    if (body.length > this.maxChars / 16) return;
    const id = pageId(key);
    const old = this.pages.get(id);
    if (old) this.drop(id, old);
    this.pages.set(id, { ...at, body });
    this.chars += body.length;
    for (const [oldest, page] of this.pages) {
      if (this.pages.size <= this.maxPages && this.chars <= this.maxChars) break;
      this.drop(oldest, page);
    }
  }

  /** Makes every cached page stale (what they show of people changed). */
  invalidateAll(): void {
    this.epoch += 1;
  }

  get size(): number {
    return this.pages.size;
  }

  private drop(id: string, page: CachedPage): void {
    this.pages.delete(id);
    this.chars -= page.body.length;
  }

  /** Drops every page of the room now: an expired message must not stay in memory until its stale pages are asked for again. */
  private forgetRoom(roomId: string): void {
    const prefix = JSON.stringify([roomId]).slice(0, -1) + ",";
    for (const [id, page] of this.pages) if (id.startsWith(prefix)) this.drop(id, page);
  }

  private changed(event: DomainEvent): void {
    if (event.type === "message.expired") this.forgetRoom(event.roomId);
    // Pages show senders' display names and avatars.
    if (event.type === "profile.changed" && event.fields.some((field) => field === "displayName" || field === "avatarUrl")) return this.invalidateAll();
    const roomId = "roomId" in event ? event.roomId : "target" in event && event.target.kind === "message" ? (event.target.roomId ?? null) : undefined;
    if (roomId === null) this.epoch += 1;
    else if (roomId !== undefined) this.versions.set(roomId, (this.versions.get(roomId) ?? 0) + 1);
  }
}

export interface PageKey {
  roomId: string;
  reader: string;
  limit: number;
  before: number | undefined;
  /** The thread listed; undefined for the main timeline. */
  threadId?: string | undefined;
}

const pageId = (key: PageKey) => JSON.stringify([key.roomId, key.reader, key.limit, key.before ?? null, key.threadId ?? null]);
