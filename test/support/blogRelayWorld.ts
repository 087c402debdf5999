import { MemoryLevel } from "memory-level";
import { BlogRelay } from "../../src/bridge/BlogRelay.js";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { createLogger } from "../../src/log/createLogger.js";
import type { OutboxEntry } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { platformOverStore } from "./platformOverStore.js";

const DOMAIN = "test.example";
const BOT = `@mirage:${DOMAIN}`;
const WEB = "https://blog.example";
export const BLOG_WORLD = { DOMAIN, BOT, ALICE: `@mirage_alice:${DOMAIN}`, BOB: "@bob:example.org", WEB } as const;

/**
 * The platform over an in-memory store with the blog relay reading its journal: `relayNew()` hands
 * it the entries not handled yet and resolves the operations queued meanwhile; `sendAll()` carries
 * out the queue as the homeserver would (rooms `!<owner>:test.example`, events `$<n>`).
 */
export function blogRelayWorld(options: { maxImages?: number } = {}) {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  // A clock that moves on every reading: each write has its own time.
  let time = 1_700_000_000_000;
  const p = platformOverStore(store, { now: () => (time += 1000) });
  const newRelay = () =>
    new BlogRelay({
      blogs: p.blogs,
      posts: store.posts,
      comments: store.comments,
      accounts: store.accounts,
      mapping: store.idMapping,
      outbox: store.outbox,
      renderer: { toWebHtml: async (md) => md, toMatrixHtml: async (md) => `<p>${md}</p>` },
      names: new BridgeNames("mirage_", DOMAIN),
      room: { botUserId: BOT, blogUrl: (owner) => `${WEB}/@${owner}` },
      publicUrl: `${WEB}/`,
      logger: createLogger("silent"),
      onQueued: () => undefined,
      ...(options.maxImages === undefined ? {} : { maxImages: options.maxImages }),
    });
  let relay = newRelay();
  let position = 0;
  let seen = 0;
  /** Hands the relay every entry not handled yet; resolves the operations queued meanwhile (without bookkeeping). */
  const relayNew = async () => {
    for (const entry of await store.journal.read(position, 10_000)) {
      await relay.handle(entry);
      position = entry.position;
    }
    const all = await store.outbox.peek(10_000);
    const fresh = all.slice(seen);
    seen = all.length;
    return ops(fresh);
  };
  /** Carries out every queued operation as the homeserver would: rooms `!<owner>:test.example`, events `$<n>`. */
  let events = 0;
  const sendAll = async () => {
    for (const entry of await store.outbox.peek(10_000)) {
      const links =
        entry.op === "createRoom"
          ? [{ ref: entry.room, roomId: `!${entry.room.id}:${DOMAIN}`, origin: "platform" as const }]
          : entry.op === "send" && entry.ref
            ? [{ ref: entry.ref, roomId: `!${entry.room!.id}:${DOMAIN}`, eventId: `$${++events}`, origin: "platform" as const }]
            : [];
      await store.outbox.complete(entry.id, links);
    }
    seen = 0;
  };
  return {
    store,
    p,
    relayNew,
    sendAll,
    get relay() {
      return relay;
    },
    restart: () => {
      relay = newRelay();
    },
  };
}

export function ops(entries: readonly OutboxEntry[]) {
  return entries.map(({ id: _id, createdAt: _c, attempts: _a, ...op }) => op);
}

