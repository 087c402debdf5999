import type { Appservice } from "@vector-im/matrix-bot-sdk";

export interface FakeRequest {
  sender: string;
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}

export interface FakeEvent {
  eventId: string;
  roomId: string;
  sender: string;
  type: string;
  content: Record<string, unknown>;
  txnId?: string;
  redacts?: string;
}

interface FakeRoom {
  version: string;
  joinRule: "public" | "invite";
  members: Map<string, string>;
  state: Map<string, Record<string, unknown>>;
  createBody: Record<string, unknown>;
}

const httpError = (statusCode: number, errcode: string) => Object.assign(new Error(`${statusCode} ${errcode}`), { statusCode, errcode, body: { errcode } });

/**
 * An in-memory homeserver with the client-server endpoints the outbox uses, strict where the
 * real one is: transaction ids deduplicate sends per sender, memberships follow the rules
 * that matter here, aliases are unique, duplicate annotations are refused.
 */
export class FakeHomeserver {
  readonly rooms = new Map<string, FakeRoom>();
  readonly aliases = new Map<string, string>();
  readonly events: FakeEvent[] = [];
  readonly requests: FakeRequest[] = [];
  readonly profiles = new Map<string, Record<string, string>>();
  /** Public read receipts posted, in order. */
  readonly receipts: Array<{ roomId: string; sender: string; eventId: string }> = [];
  /** The state event types read with `getRoomStateEvent`, in order. */
  readonly stateReads: string[] = [];
  /** Decides a failure for a request before it takes effect. */
  failWith: (request: FakeRequest) => Error | undefined = () => undefined;
  /** Answered as `m.room_versions.default` by `/capabilities`; unset, the endpoint is unknown. */
  defaultRoomVersion: string | undefined;
  /** When set, every client has a ready crypto device that "encrypts" by wrapping the event as JSON. */
  withCrypto = false;
  private readonly txns = new Map<string, string>();
  private nextId = 0;

  constructor(readonly botUserId = "@mirage:t") {}

  /** A room made outside the outbox, with `members` joined. */
  addRoom(members: string[], version = "10", joinRule: "public" | "invite" = "invite"): string {
    const roomId = `!r${++this.nextId}:t`;
    this.rooms.set(roomId, { version, joinRule, members: new Map(members.map((m) => [m, "join"])), state: new Map(), createBody: {} });
    return roomId;
  }

  eventsIn(roomId: string): FakeEvent[] {
    return this.events.filter((e) => e.roomId === roomId);
  }

  appservice(): Appservice {
    const clients = new Map<string, unknown>();
    const clientFor = (userId: string) => {
      if (!clients.has(userId)) clients.set(userId, this.client(userId));
      return clients.get(userId);
    };
    return {
      botUserId: this.botUserId,
      botClient: clientFor(this.botUserId),
      getAlias: (localpart: string) => `#${localpart}:t`,
      getIntentForUserId: (userId: string) => ({ ensureRegistered: async () => undefined, underlyingClient: clientFor(userId) }),
    } as unknown as Appservice;
  }

  /** Turns encryption on in a room, as an `m.room.encryption` state event does. */
  encrypt(roomId: string): void {
    this.room(roomId).state.set("m.room.encryption\x00", { algorithm: "m.megolm.v1.aes-sha2" });
  }

  private client(sender: string) {
    const hs = this;
    return {
      get crypto() {
        if (!hs.withCrypto) return undefined;
        return {
          isReady: true,
          isRoomEncrypted: async (roomId: string) => hs.room(roomId).state.has("m.room.encryption\x00"),
          encryptRoomEvent: async (_roomId: string, type: string, content: Record<string, unknown>) => ({
            algorithm: "m.megolm.v1.aes-sha2",
            ciphertext: JSON.stringify({ type, content }),
          }),
        };
      },
      doRequest: async (method: string, path: string, _qs: unknown, body?: Record<string, unknown>) => {
        const request = { sender, method, path, body };
        this.requests.push(request);
        const error = this.failWith(request);
        if (error) throw error;
        return this.handle(request);
      },
      getRoomStateEvent: async (roomId: string, type: string, stateKey: string) => {
        this.stateReads.push(type);
        const room = this.room(roomId);
        if (type === "m.room.create") return { room_version: room.version };
        if (type === "m.room.member") {
          const membership = room.members.get(stateKey);
          if (membership === undefined) throw httpError(404, "M_NOT_FOUND");
          return { membership };
        }
        const content = room.state.get(`${type}\x00${stateKey}`);
        if (!content) throw httpError(404, "M_NOT_FOUND");
        return content;
      },
    };
  }

  private room(roomId: string): FakeRoom {
    const room = this.rooms.get(roomId);
    if (!room) throw httpError(404, "M_NOT_FOUND");
    return room;
  }

  private handle({ sender, method, path, body = {} }: FakeRequest): unknown {
    const parts = path.split("/").slice(4).map(decodeURIComponent);
    if (method === "POST" && parts[0] === "createRoom") return this.createRoom(sender, body);
    if (method === "GET" && parts[0] === "capabilities" && this.defaultRoomVersion !== undefined) {
      return { capabilities: { "m.room_versions": { default: this.defaultRoomVersion, available: {} } } };
    }
    if (method === "GET" && parts[0] === "directory") {
      const roomId = this.aliases.get(parts[2]!);
      if (!roomId) throw httpError(404, "M_NOT_FOUND");
      return { room_id: roomId };
    }
    if (method === "GET" && path.startsWith("/_matrix/client/v1/") && parts[2] === "relations") {
      const chunk = this.events
        .filter((e) => e.roomId === parts[1] && e.type === parts[5] && (e.content["m.relates_to"] as { event_id?: string } | undefined)?.event_id === parts[3])
        .map((e) => ({ event_id: e.eventId, sender: e.sender, type: e.type, content: e.content }));
      return { chunk };
    }
    if (method === "PUT" && parts[0] === "profile") {
      this.profiles.set(parts[1]!, { ...this.profiles.get(parts[1]!), ...(body as Record<string, string>) });
      return {};
    }
    const [, roomId, action, a, b] = parts as [string, string, string, string?, string?];
    const room = this.room(roomId);
    const joined = room.members.get(sender) === "join";
    if (method === "PUT" && action === "send") {
      if (!joined) throw httpError(403, "M_FORBIDDEN");
      const relates = body["m.relates_to"] as { rel_type?: string; event_id?: string; key?: string } | undefined;
      if (a === "m.reaction" && relates?.rel_type === "m.annotation") {
        const dup = this.events.some(
          (e) => e.sender === sender && e.type === "m.reaction" && JSON.stringify(e.content["m.relates_to"]) === JSON.stringify(relates),
        );
        if (dup && !this.txns.has(`${sender}\x00${b}`)) throw httpError(400, "M_DUPLICATE_ANNOTATION");
      }
      return { event_id: this.event(sender, roomId, a!, body, b!) };
    }
    if (method === "PUT" && action === "state") {
      if (!joined) throw httpError(403, "M_FORBIDDEN");
      room.state.set(`${a}\x00${b}`, body);
      return { event_id: this.event(sender, roomId, a!, body) };
    }
    if (method === "PUT" && action === "redact") {
      if (!joined) throw httpError(403, "M_FORBIDDEN");
      return { event_id: this.event(sender, roomId, "m.room.redaction", body, b!, a!) };
    }
    if (method === "POST" && action === "receipt") {
      if (!joined) throw httpError(403, "M_FORBIDDEN");
      if (a !== "m.read" || !this.events.some((e) => e.eventId === b && e.roomId === roomId)) throw httpError(400, "M_UNKNOWN");
      this.receipts.push({ roomId, sender, eventId: b! });
      return {};
    }
    if (method === "POST") return this.membership(room, sender, action, body);
    throw httpError(400, "M_UNRECOGNIZED");
  }

  private membership(room: FakeRoom, sender: string, action: string, body: Record<string, unknown>): unknown {
    const target = typeof body.user_id === "string" ? body.user_id : sender;
    const current = room.members.get(target);
    const senderJoined = room.members.get(sender) === "join";
    switch (action) {
      case "invite":
        if (!senderJoined || current === "join" || current === "ban") throw httpError(403, "M_FORBIDDEN");
        room.members.set(target, "invite");
        return {};
      case "join":
        if (current === "ban" || (current !== "invite" && current !== "join" && room.joinRule !== "public")) throw httpError(403, "M_FORBIDDEN");
        room.members.set(target, "join");
        return { room_id: "" };
      case "leave":
        if (current !== "join" && current !== "invite") throw httpError(403, "M_FORBIDDEN");
        room.members.set(target, "leave");
        return {};
      case "kick":
        if (!senderJoined || (current !== "join" && current !== "invite")) throw httpError(403, "M_FORBIDDEN");
        room.members.set(target, "leave");
        return {};
      case "ban":
        if (!senderJoined) throw httpError(403, "M_FORBIDDEN");
        room.members.set(target, "ban");
        return {};
    }
    throw httpError(400, "M_UNRECOGNIZED");
  }

  private createRoom(sender: string, body: Record<string, unknown>): unknown {
    const alias = typeof body.room_alias_name === "string" ? `#${body.room_alias_name}:t` : undefined;
    if (alias && this.aliases.has(alias)) throw httpError(400, "M_ROOM_IN_USE");
    const roomId = this.addRoom([sender], typeof body.room_version === "string" ? body.room_version : "10", body.preset === "public_chat" ? "public" : "invite");
    const room = this.rooms.get(roomId)!;
    room.createBody = body;
    for (const userId of (body.invite as string[] | undefined) ?? []) room.members.set(userId, "invite");
    for (const s of (body.initial_state as { type: string; state_key: string; content: Record<string, unknown> }[] | undefined) ?? []) {
      room.state.set(`${s.type}\x00${s.state_key}`, s.content);
    }
    if (alias) this.aliases.set(alias, roomId);
    return { room_id: roomId };
  }

  private event(sender: string, roomId: string, type: string, content: Record<string, unknown>, txnId?: string, redacts?: string): string {
    const txnKey = `${sender}\x00${txnId}`;
    if (txnId !== undefined && this.txns.has(txnKey)) return this.txns.get(txnKey)!;
    const eventId = `$e${++this.nextId}`;
    if (txnId !== undefined) this.txns.set(txnKey, eventId);
    this.events.push({ eventId, roomId, sender, type, content, ...(txnId === undefined ? {} : { txnId }), ...(redacts === undefined ? {} : { redacts }) });
    return eventId;
  }
}
