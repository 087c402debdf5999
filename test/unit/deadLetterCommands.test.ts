import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { CommandDispatcher, type RoomFacts } from "../../src/platform/commands/CommandDispatcher.js";
import { CommandRegistry } from "../../src/platform/commands/CommandRegistry.js";
import { coreCommands } from "../../src/platform/commands/coreCommands.js";
import { deadLetterCommands } from "../../src/platform/commands/deadLetterCommands.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";
import { asPersonId } from "../../src/platform/people/Person.js";
import { asMessageId, asRoomId } from "../../src/platform/ids.js";

const ADMIN = "@admin:t";

async function setup() {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  let requeued = 0;
  const registry = new CommandRegistry();
  for (const c of coreCommands({ version: "1" })) registry.register(c);
  for (const c of deadLetterCommands({ deadLetters: store.deadLetters, onRequeued: () => void (requeued += 1) })) registry.register(c);
  const facts: RoomFacts = { powerLevel: async () => 100, isDirectWithBot: async () => false, isBridgeAdmin: (id) => id === ADMIN, place: async () => ({ kind: "room" }) };
  const dispatcher = new CommandDispatcher(registry, facts);
  const send = async (body: string, sender = ADMIN) => {
    const result = await dispatcher.dispatch({ body, sender, roomId: "!admin:t", eventId: "$cmd", sentAt: 0 });
    return result.kind === "ran" || result.kind === "rejected" ? { kind: result.kind, text: result.replies.map((r) => r.text).join("\n") } : { kind: result.kind, text: "" };
  };
  /** Dead-letters one event per room, the way the lane scheduler does after a spent budget. */
  const bury = async (...rooms: string[]) => {
    const events = rooms.map((roomId, i) => ({
      roomId,
      event: { type: "m.room.member", room_id: roomId, sender: "@eve:remote", event_id: `$e${i}`, content: { membership: "invite", secret: "body text" } },
    }));
    await store.inbox.accept(`t${rooms.join()}`, { events: [] }, 0);
    await store.inbox.fanOut(`t${rooms.join()}`, events, 0);
    for (const roomId of rooms) await store.lanes.deadLetter((await store.lanes.head(roomId))!, { at: 1_700_000_000_000, error: "502 M_UNKNOWN" });
  };
  return { store, send, bury, requeued: () => requeued };
}

describe("dead-letter commands", () => {
  it("lists dead letters without content for bridge admins, and only for them", async () => {
    const { send, bury } = await setup();
    expect((await send("!mirage deadletters")).text).toMatch(/No dead letters/);
    await bury("!a:t", "!b:t");
    const listing = await send("!mirage deadletters");
    expect(listing.kind).toBe("ran");
    expect(listing.text).toMatch(/^2 dead letter/);
    expect(listing.text).toMatch(/#e\d+ m\.room\.member \$e0 from @eve:remote in !a:t: 1 attempt\(s\), last error 502 M_UNKNOWN at 2023-11-14T22:13:20\.000Z/);
    expect(listing.text).toContain("$e1");
    expect(listing.text).not.toContain("body text");
    const refused = await send("!mirage deadletters", "@mod:t");
    expect(refused).toMatchObject({ kind: "rejected" });
    expect(refused.text).toMatch(/Only bridge admins/i);
  });

  it("retries one by id back into its room's lane, and refuses an unknown id", async () => {
    const { store, send, bury, requeued } = await setup();
    await bury("!a:t", "!b:t");
    const [first] = await store.deadLetters.list(1);
    expect((await send(`!mirage retry ${first!.id}`)).text).toBe("Retrying 1 event.");
    expect(requeued()).toBe(1);
    expect(await store.deadLetters.count()).toBe(1);
    expect(await store.lanes.head("!a:t")).toMatchObject({ event: { event_id: "$e0" }, attempts: 0 });
    expect((await send(`!mirage retry ${first!.id.slice(1)}`)).kind).toBe("rejected");
    const unknown = await send("!mirage retry 12345");
    expect(unknown.kind).toBe("rejected");
    expect(unknown.text).toMatch(/no dead letter 12345/);
    expect(requeued()).toBe(1);
    expect((await send("!mirage retry e1", "@mod:t")).kind).toBe("rejected");
  });

  it("retries all of them, received events and sends alike", async () => {
    const { store, send, bury, requeued } = await setup();
    await bury(...Array.from({ length: 45 }, (_, i) => `!r${i}:t`));
    await store.outbox.enqueue([{ op: "send", sender: "@mirage:t", roomId: "!r0:t", eventType: "m.room.message", content: { body: "hi" } }], 0);
    const [send0] = await store.outbox.peek(1);
    await store.outbox.deadLetter(send0!, { at: 0, error: "500", reason: "budget" });
    const listing = (await send("!mirage deadletters")).text;
    expect(listing).toMatch(/^46 dead letter/);
    expect(listing).toMatch(/…and 26 more\.$/);
    expect((await send("!mirage retry all")).text).toBe("Retrying 46 events.");
    expect(await store.deadLetters.count()).toBe(0);
    expect(await store.lanes.size()).toBe(45);
    expect(await store.outbox.peek(5)).toEqual([expect.objectContaining({ id: send0!.id, attempts: 0, content: { body: "hi" } })]);
    expect(requeued()).toBe(1);
  });

  it("lists a send that kept failing as a send", async () => {
    const { store, send } = await setup();
    await store.outbox.enqueue([{ op: "send", sender: "@mirage:t", roomId: "!r:t", eventType: "m.room.message", content: { body: "secret reply" } }], 0);
    const [entry] = await store.outbox.peek(1);
    await store.outbox.deadLetter(entry!, { at: 0, error: "503", reason: "budget" });
    const listing = (await send("!mirage deadletters")).text;
    expect(listing).toMatch(/#s\d+ send of m\.room\.message as @mirage:t in !r:t: 1 attempt\(s\), last error 503/);
    expect(listing).not.toContain("secret reply");
  });

  it("lists a journal entry a consumer set aside by its consumer, and retries it for that consumer", async () => {
    const { store, send, requeued } = await setup();
    const message = { id: asMessageId("m_1"), roomId: asRoomId("!r:t"), sender: asPersonId("alice"), body: "secret text", html: "", createdAt: 0, deleted: false };
    await store.messages.append(message, [{ event: { type: "message.created", roomId: "!r:t", messageId: "m_1", by: "alice" }, audience: ["alice"], at: 0 }]);
    const [entry] = await store.journal.read(0, 1);
    await store.journal.deadLetter("relay", entry!, { at: 0, error: "REFUSED", attempts: 3, firstFailureAt: 0 }, "cursor");
    const listing = (await send("!mirage deadletters")).text;
    expect(listing).toMatch(/#j1:relay message\.created by alice \(journal:relay\) in !r:t: 3 attempt\(s\), last error REFUSED/);
    expect(listing).not.toContain("secret text");
    expect((await send("!mirage retry j1:relay")).text).toBe("Retrying 1 event.");
    expect(requeued()).toBe(1);
    expect(await store.journal.retries("relay", 10)).toEqual([{ entry, attempts: 0 }]);
  });

  it("shows in the generated help as a bridge-admin command", async () => {
    const { send } = await setup();
    const help = (await send("!mirage help")).text;
    expect(help).toMatch(/!mirage deadletters — list events that kept failing.*\(bridge admins\)/);
    expect(help).toMatch(/!mirage retry <id> — /);
  });
});
