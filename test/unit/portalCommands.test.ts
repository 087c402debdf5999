import { MemoryLevel } from "memory-level";
import { describe, expect, it } from "vitest";
import { BridgeNames } from "../../src/bridge/bridgeNames.js";
import { portalCommands } from "../../src/bridge/commands/portalCommands.js";
import type { PortalSettings } from "../../src/bridge/portalCreation.js";
import type { MatrixStateEvent } from "../../src/bridge/portalResync.js";
import { bridgeInfoState } from "../../src/matrix/bridgeInfo.js";
import { GHOST_PREFIX, ghostAccounts } from "../../src/matrix/registration.js";
import { CommandDispatcher, type RoomFacts } from "../../src/platform/commands/CommandDispatcher.js";
import { CommandRegistry } from "../../src/platform/commands/CommandRegistry.js";
import { coreCommands } from "../../src/platform/commands/coreCommands.js";
import type { MembershipRecord, Room } from "../../src/platform/chat/Room.js";
import { asRoomId } from "../../src/platform/ids.js";
import { asPersonId } from "../../src/platform/people/Person.js";
import type { OutboxEntry } from "../../src/platform/ports/Outbox.js";
import type { RootLevel } from "../../src/store/LevelDatabase.js";
import { storeOver } from "../../src/store/openStore.js";

const DOMAIN = "t";
const BOT = "@mirage:t";
const ADMIN = "@admin:t";
const PORTAL = "!portal:t";
const ROOM = asRoomId("r_abc");
const names = new BridgeNames(GHOST_PREFIX, DOMAIN);
const settings: PortalSettings = { botUserId: BOT, encrypt: false, roomUrl: (room) => `https://mirage.t/app/rooms/${room.id}` };
const member = (id: string, membership: MembershipRecord["membership"], by = id): MembershipRecord => ({
  roomId: ROOM,
  member: asPersonId(id),
  membership,
  by: asPersonId(by),
  at: 1,
});
const memberEvent = (userId: string, membership: string): MatrixStateEvent => ({ type: "m.room.member", state_key: userId, content: { membership } });

async function setup(options: { members: MembershipRecord[]; state: MatrixStateEvent[]; room?: Partial<Room> }) {
  const store = storeOver(new MemoryLevel<string, unknown>() as unknown as RootLevel);
  const room: Room = { id: ROOM, kind: "group", name: "Garden", topic: "plants", createdBy: asPersonId("alice"), createdAt: 1, ...options.room };
  await store.rooms.create(room, options.members);
  await store.idMapping.link([{ ref: { kind: "room", id: ROOM }, roomId: PORTAL, origin: "platform" }]);
  let state = options.state;
  let kicked = 0;
  let unreadable = false;
  const registry = new CommandRegistry();
  for (const c of coreCommands({ version: "1" })) registry.register(c);
  const commands = portalCommands({
    portalOf: async (roomId) => {
      const ref = await store.idMapping.byRoom(roomId);
      return ref?.kind === "room" ? asRoomId(ref.id) : undefined;
    },
    rooms: store.rooms,
    mapping: store.idMapping,
    outbox: store.outbox,
    roomState: async () => {
      if (unreadable) throw Object.assign(new Error("forbidden"), { statusCode: 403 });
      return state;
    },
    names,
    ghosts: ghostAccounts(DOMAIN),
    portal: settings,
    kickOutbox: () => void (kicked += 1),
  });
  for (const c of commands) registry.register(c);
  const facts: RoomFacts = { powerLevel: async (_room, userId) => (userId === "@owner:t" ? 100 : 0), isDirectWithBot: async () => false, isBridgeAdmin: (id) => id === ADMIN, place: async () => ({ kind: "room" }) };
  const dispatcher = new CommandDispatcher(registry, facts);
  const send = async (body: string, sender = "@someone:t", roomId = PORTAL) => {
    const result = await dispatcher.dispatch({ body, sender, roomId, eventId: "$cmd", sentAt: 0 });
    return result.kind === "ran" || result.kind === "rejected" ? { kind: result.kind, text: result.replies.map((r) => r.text).join("\n") } : { kind: result.kind, text: "" };
  };
  const queued = async () => (await store.outbox.peek(1000)).map(({ id: _id, createdAt: _c, attempts: _a, ...op }: OutboxEntry) => op);
  /** The homeserver after every queued operation took effect. */
  const applyQueued = async () => {
    const next = new Map(state.map((e) => [`${e.type}|${e.state_key}`, e]));
    for (const op of await queued()) {
      if (op.op === "state") next.set(`${op.eventType}|${op.stateKey}`, { type: op.eventType, state_key: op.stateKey, content: op.content });
      if (op.op === "membership") {
        const userId = op.userId ?? op.sender;
        const membership = { invite: "invite", join: "join", leave: "leave", kick: "leave", ban: "ban", unban: "leave" }[op.action];
        next.set(`m.room.member|${userId}`, memberEvent(userId, membership));
      }
    }
    for (const entry of await store.outbox.peek(1000)) await store.outbox.remove(entry.id);
    state = [...next.values()];
  };
  return { store, send, queued, applyQueued, kicked: () => kicked, botLeft: () => void (unreadable = true) };
}

const inLine = (room: Room) => [
  { type: "m.room.name", state_key: "", content: { name: room.name } },
  { type: "m.room.topic", state_key: "", content: { topic: room.topic } },
  ...bridgeInfoState(BOT, PORTAL, { id: room.id, displayname: room.name, externalUrl: settings.roomUrl!(room) }).map((s) => ({ type: s.eventType, state_key: s.stateKey, content: s.content })),
];
const garden: Room = { id: ROOM, kind: "group", name: "Garden", topic: "plants", createdBy: asPersonId("alice"), createdAt: 1 };

describe("!mirage portal", () => {
  it("names the Mirage room, its members on both sides and the encryption state", async () => {
    const { send } = await setup({
      members: [member("alice", "join"), member("@bob:remote", "join", "alice"), member("carol", "invite", "alice"), member("dave", "leave")],
      state: [
        memberEvent(BOT, "join"),
        memberEvent("@mirage_alice:t", "join"),
        memberEvent("@bob:remote", "join"),
        memberEvent("@mirage_carol:t", "invite"),
        { type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
      ],
      room: { joinRule: "public" },
    });
    const { kind, text } = await send("!mirage portal");
    expect(kind).toBe("ran");
    expect(text.split("\n")).toEqual([
      'Mirage room "Garden" (r_abc), public group — https://mirage.t/app/rooms/r_abc',
      "Alias: #mirage_r_abc:t",
      "Encryption: on (m.megolm.v1.aes-sha2)",
      "Mirage members (3): @bob:remote (matrix), alice (mirage), carol (mirage, invite)",
      "Matrix members joined (3): @mirage:t, @mirage_alice:t, @bob:remote",
    ]);
  });

  it("says so outside a portal, and shows encryption off", async () => {
    const { send } = await setup({ members: [member("alice", "join")], state: [memberEvent(BOT, "join")] });
    const outside = await send("!mirage portal", "@someone:t", "!elsewhere:t");
    expect(outside).toMatchObject({ kind: "rejected" });
    expect(outside.text).toMatch(/not a Mirage portal/);
    expect((await send("!mirage portal")).text).toMatch(/^Encryption: off$/m);
  });

  it("answers, rather than failing for a retry, where the bot cannot read the room", async () => {
    const { send, botLeft } = await setup({ members: [member("alice", "join")], state: [] });
    botLeft();
    const answer = await send("!mirage portal");
    expect(answer).toMatchObject({ kind: "rejected" });
    expect(answer.text).toMatch(/bot is not in this room/);
  });
});

describe("!mirage portal resync", () => {
  it("queues what brings memberships and state in line with the platform, and nothing the second time", async () => {
    const { send, queued, applyQueued, kicked } = await setup({
      members: [
        member("alice", "join"),
        member("carol", "invite", "alice"),
        member("@bob:remote", "invite", "alice"),
        member("@eve:remote", "leave", "alice"),
        member("@frank:remote", "leave"),
        member("gina", "leave"),
        { ...member("@mallory:remote", "ban" as MembershipRecord["membership"], "alice"), reason: "spam" } as MembershipRecord,
        member("@oscar:remote", "ban" as MembershipRecord["membership"], "alice"),
      ],
      state: [
        memberEvent(BOT, "join"),
        memberEvent("@mirage_gina:t", "join"),
        memberEvent("@mirage_stray:t", "invite"),
        memberEvent("@eve:remote", "join"),
        memberEvent("@frank:remote", "join"),
        memberEvent("@visitor:remote", "join"),
        memberEvent("@mallory:remote", "join"),
        memberEvent("@oscar:remote", "ban"),
        { type: "m.room.name", state_key: "", content: { name: "Old name" } },
      ],
    });
    expect((await send("!mirage portal resync")).kind).toBe("rejected");
    const first = await send("!mirage portal resync", "@owner:t");
    expect(first.text).toBe("Queued 12 change(s) to bring this portal in line: 8 membership change(s), 4 state event(s).");
    expect(kicked()).toBe(1);
    const ops = await queued();
    // Platform members in the store's order (Matrix users first), then ghosts the platform does not know.
    expect(ops.filter((op) => op.op === "membership")).toEqual([
      { op: "membership", action: "invite", sender: BOT, roomId: PORTAL, userId: "@bob:remote" },
      // Removed on the platform by someone else: kicked. @frank left on his own and came back in Matrix: left alone.
      { op: "membership", action: "kick", sender: BOT, roomId: PORTAL, userId: "@eve:remote" },
      // Banned on the platform: banned in Matrix too (@oscar is already).
      { op: "membership", action: "ban", sender: BOT, roomId: PORTAL, userId: "@mallory:remote", reason: "spam" },
      { op: "membership", action: "invite", sender: BOT, roomId: PORTAL, userId: "@mirage_alice:t" },
      { op: "membership", action: "join", sender: "@mirage_alice:t", roomId: PORTAL },
      { op: "membership", action: "invite", sender: BOT, roomId: PORTAL, userId: "@mirage_carol:t" },
      { op: "membership", action: "leave", sender: "@mirage_gina:t", roomId: PORTAL },
      { op: "membership", action: "kick", sender: BOT, roomId: PORTAL, userId: "@mirage_stray:t" },
    ]);
    expect(ops.filter((op) => op.op === "state").map((op) => op.op === "state" && [op.eventType, op.content])).toEqual([
      ["m.room.name", { name: "Garden" }],
      ["m.room.topic", { topic: "plants" }],
      ["m.bridge", expect.objectContaining({ channel: expect.objectContaining({ id: ROOM, displayname: "Garden" }) })],
      ["uk.half-shot.bridge", expect.objectContaining({ channel: expect.objectContaining({ id: ROOM }) })],
    ]);
    await applyQueued();
    expect((await send("!mirage portal resync", ADMIN)).text).toMatch(/in line with its Mirage room: nothing to do/);
    expect(await queued()).toEqual([]);
    expect(kicked()).toBe(1);
  });

  it("leaves a portal already in line alone", async () => {
    const { send, queued } = await setup({
      members: [member("alice", "join")],
      state: [memberEvent(BOT, "join"), memberEvent("@mirage_alice:t", "join"), ...inLine(garden)],
    });
    expect((await send("!mirage portal resync", ADMIN)).text).toMatch(/nothing to do/);
    expect(await queued()).toEqual([]);
  });
});

describe("!mirage portal create", () => {
  it("queues a missing portal's creation for bridge admins only, and names an existing one", async () => {
    const { store, send, queued } = await setup({ members: [member("alice", "join")], state: [] });
    const other = asRoomId("r_other");
    await store.rooms.create({ ...garden, id: other, name: "Other" }, [{ ...member("alice", "join"), roomId: other }]);
    expect((await send(`!mirage portal create ${other}`, "@owner:t")).kind).toBe("rejected");
    expect((await send(`!mirage portal create ${ROOM}`, ADMIN)).text).toBe("Mirage room r_abc has a portal already: #mirage_r_abc:t");
    expect((await send("!mirage portal create r_nope", ADMIN)).text).toMatch(/no Mirage room r_nope/);
    expect((await send(`!mirage portal create ${other}`, ADMIN)).text).toBe("Creating the portal of Mirage room r_other: #mirage_r_other:t");
    expect((await queued())[0]).toMatchObject({ op: "createRoom", sender: BOT, room: { kind: "room", id: other }, alias: "mirage_r_other", name: "Other" });
  });
});
