import { MemoryLevel } from "memory-level";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { BridgeRelay } from "../../src/bridge/BridgeRelay.js";
import type { PortalSettings } from "../../src/bridge/portalCreation.js";
import { createLogger } from "../../src/log/createLogger.js";
import { people } from "../../src/platform/people/people.js";
import type { OutboxEntry } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver, type Store } from "../../src/store/openStore.js";
import { platformOverStore } from "./platformOverStore.js";

export const DOMAIN = "test.example";
export const BOT = `@mirage:${DOMAIN}`;
export const ghostOf = (name: string) => `@mirage_${name}:${DOMAIN}`;

/**
 * The platform over an in-memory store, with the bridge relay reading its journal: `relayAll()`
 * hands every journal entry not handled yet to the relay (as the journal consumer does) and
 * resolves the outbox operations queued meanwhile.
 */
export function bridgeWorld(portal: Partial<PortalSettings> = {}) {
  const store: Store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const p = platformOverStore(store);
  const names = new BridgeNames("mirage_", DOMAIN);
  const ghosts = people.ghostAccounts("mirage_", DOMAIN);
  const settings: PortalSettings = { botUserId: BOT, encrypt: false, ...portal };
  const newRelay = () =>
    new BridgeRelay({
      rooms: store.rooms,
      messages: store.messages,
      accounts: store.accounts,
      mapping: store.idMapping,
      outbox: store.outbox,
      renderer: { toWebHtml: async (md) => md, toMatrixHtml: async (md) => md },
      names,
      portal: settings,
      logger: createLogger("silent"),
      onQueued: () => undefined,
    });
  let relay = newRelay();
  let position = 0;
  let seen = 0;
  const relayAll = async (): Promise<OutboxEntry[]> => {
    for (const entry of await store.journal.read(position, 10_000)) {
      await relay.handle(entry);
      position = entry.position;
    }
    const all = await store.outbox.peek(10_000);
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  };
  /** A new relay over the same store, as after a restart. */
  const restartRelay = () => {
    relay = newRelay();
  };
  /** Completes every queued operation; a portal's creation maps its room to `!<roomId>:test.example`. */
  const sendAll = async () => {
    for (const entry of await store.outbox.peek(10_000)) {
      const links = entry.op === "createRoom" ? [{ ref: entry.room, roomId: `!${entry.room.id}:${DOMAIN}`, origin: "platform" as const }] : [];
      await store.outbox.complete(entry.id, links);
    }
    seen = 0;
  };
  return { store, p, names, ghosts, settings, relayAll, restartRelay, sendAll };
}

/** Operations without the outbox's bookkeeping, for comparisons. */
export function ops(entries: readonly OutboxEntry[]) {
  return entries.map(({ id: _id, createdAt: _c, attempts: _a, ...op }) => op);
}
