import type { Appservice, MatrixClient } from "@vector-im/matrix-bot-sdk";
import type { IdMapping, MappingLink, PlatformRef } from "../platform/ports/IdMapping.js";
import type {
  CreateRoomOperation,
  MembershipOperation,
  OutboxRelation,
  ProfileOperation,
  ReceiptOperation,
  RedactOperation,
  SendImageOperation,
  SendOperation,
} from "../platform/outbox/outboxOperationSchema.js";
import type { ImageImports, ImportedImage } from "../platform/ports/ImageImports.js";
import type { OutboxEntry } from "../platform/ports/Outbox.js";
import type { AvatarImporter } from "./AvatarImporter.js";
import type { DeviceClients } from "./crypto/GhostDevices.js";
import { sealMediaContent } from "./crypto/sealMediaContent.js";
import { membershipReached } from "./membershipReached.js";
import { CREATOR_OWNS } from "./RoomCreators.js";
import { redactionContent, type ResolvedRelation, withRelation } from "./relationContent.js";
import { RoomEncryptionCache } from "./RoomEncryptionCache.js";

const enc = encodeURIComponent;
const V3 = "/_matrix/client/v3";

/** Raised instead of sending plaintext into an encrypted room without a crypto device. */
class PlaintextRefusedError extends Error {
  readonly statusCode = 400;
  constructor(roomId: string) {
    super(`refusing to send plaintext into encrypted room ${roomId}: encryption is not enabled`);
  }
}

/** A platform reference an operation needs has no Matrix ID: the operation can never be carried out. */
export class UnresolvedTargetError extends Error {
  readonly code: string;
  constructor(what: string) {
    super(`${what} has no Matrix ID`);
    this.code = `unresolved ${what}`;
  }
}

const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;
const errcodeOf = (error: unknown) => {
  const e = error as { errcode?: string; body?: { errcode?: string } };
  return e.errcode ?? e.body?.errcode;
};
const isDefiniteRefusal = (error: unknown) => {
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
};

/**
 * Carries out one outbox operation on the homeserver as its sender, so that doing it again
 * after a crash changes nothing: events use the entry id as transaction id, membership
 * changes that already took effect count as done, and room creation first looks for the room
 * by its alias. Returns the Matrix IDs to record in the mapping.
 */
export class OutboxOperations {
  private readonly roomVersions = new Map<string, string>();
  private defaultVersion: string | undefined;

  /** `devices`: each ghost's own crypto device, which encrypts what the ghost sends into encrypted rooms. */
  constructor(
    private readonly appservice: Appservice,
    private readonly mapping: IdMapping,
    private readonly devices?: DeviceClients,
    /** Resolves a profile operation's `avatarSource`; without it such operations are refused. */
    private readonly avatars?: AvatarImporter,
    /** Which rooms are encrypted, kept between sends (shared with the transaction intake, which invalidates it). */
    private readonly encryption: RoomEncryptionCache = new RoomEncryptionCache(),
    /** Imports the images of `sendImage` operations; without it such images are skipped. */
    private readonly images?: ImageImports,
  ) {}

  /** `roomId` is the entry's room, already resolved (undefined for operations without a room). */
  async perform(entry: OutboxEntry, roomId: string | undefined): Promise<MappingLink[]> {
    const client = await this.clientFor(entry.sender);
    const txnId = `mirage.${entry.id}`;
    switch (entry.op) {
      case "send":
        return this.sendAs(client, entry, required(roomId), txnId);
      case "sendImage": {
        const room = required(roomId);
        const send = await this.imageSend(entry);
        return send === undefined ? [] : this.sendAs(client, send, room, txnId);
      }
      case "state":
        await client.doRequest("PUT", `${V3}/rooms/${enc(required(roomId))}/state/${enc(entry.eventType)}/${enc(entry.stateKey)}`, null, entry.content);
        return [];
      case "redact":
        await this.redact(client, entry, required(roomId), txnId);
        return [];
      case "membership":
        await this.membership(client, entry, required(roomId));
        return [];
      case "profile":
        await this.profile(client, entry);
        return [];
      case "createRoom":
        return this.createRoom(client, entry);
      case "receipt":
        await this.receipt(client, entry, required(roomId));
        return [];
    }
  }

  /** Unthreaded, so it also marks a thread's event read; a target that never reached Matrix is skipped. */
  private async receipt(client: MatrixClient, op: ReceiptOperation, roomId: string): Promise<void> {
    const eventId = await this.eventIdIn(op.target, roomId);
    if (eventId === undefined) return;
    await client.doRequest("POST", `${V3}/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, null, {});
  }

  /** Sends as the sender's own crypto device in an encrypted room (a ghost's), else as its client. */
  private async sendAs(client: MatrixClient, op: SendOperation, room: string, txnId: string): Promise<MappingLink[]> {
    if (this.devices && op.sender !== this.appservice.botUserId && (await this.isEncrypted(client, room))) {
      return this.devices.use(op.sender, (device) => this.send(device, op, room, txnId));
    }
    return this.send(client, op, room, txnId);
  }

  /**
   * The `m.image` for an image URL, once imported (the upload is plaintext: the image was public;
   * `sealed` then sends an encrypted copy into an encrypted room). Undefined when the image cannot
   * be had: it is skipped (the importer counts and logs it), and the room's later events go on.
   */
  private async imageSend(op: SendImageOperation): Promise<SendOperation | undefined> {
    const outcome = this.images ? await this.images.imported(op.url) : { refused: "NOT_CONFIGURED" };
    if ("refused" in outcome) return undefined;
    const { url: _url, body, op: _op, ...address } = op;
    return { ...address, op: "send", eventType: "m.room.message", content: imageContent(body, outcome.image) };
  }

  private async send(client: MatrixClient, op: SendOperation, roomId: string, txnId: string): Promise<MappingLink[]> {
    let { eventType, content } = op;
    if (op.relation) {
      const related = withRelation(eventType, content, await this.resolveRelation(op.relation, roomId));
      if ("missing" in related) throw new UnresolvedTargetError(related.missing);
      ({ eventType, content } = related);
    }
    const sealed = await this.sealed(client, roomId, eventType, content);
    let eventId: unknown;
    try {
      const path = `${V3}/rooms/${enc(roomId)}/send/${enc(sealed.eventType)}/${enc(txnId)}`;
      eventId = ((await client.doRequest("PUT", path, null, sealed.content)) as { event_id?: unknown })?.event_id;
    } catch (error) {
      // The same reaction by the same sender exists already (sent earlier under another transaction): it is this one.
      if (errcodeOf(error) !== "M_DUPLICATE_ANNOTATION") throw error;
      eventId = await this.ownAnnotation(client, roomId, op.sender, content);
      if (eventId === undefined) throw error;
    }
    if (!op.ref || typeof eventId !== "string") return [];
    return [{ ref: op.ref, roomId, eventId, origin: "platform" }];
  }

  /** The sender's own annotation with the same target and key, found through the relations API. */
  private async ownAnnotation(client: MatrixClient, roomId: string, sender: string, content: Record<string, unknown>): Promise<string | undefined> {
    const relation = content["m.relates_to"] as { event_id?: string; key?: string } | undefined;
    if (typeof relation?.event_id !== "string") return undefined;
    const path = `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(relation.event_id)}/m.annotation/m.reaction`;
    const { chunk } = (await client.doRequest("GET", path, { limit: 100 })) as { chunk?: { event_id?: string; sender?: string; content?: { "m.relates_to"?: { key?: string } } }[] };
    return chunk?.find((e) => e.sender === sender && e.content?.["m.relates_to"]?.key === relation.key)?.event_id;
  }

  /** Matrix event IDs of the relation's targets; a target outside this room counts as missing. */
  private async resolveRelation(relation: OutboxRelation, roomId: string): Promise<ResolvedRelation> {
    const id = (ref: PlatformRef | undefined) => (ref === undefined ? Promise.resolve(undefined) : this.eventIdIn(ref, roomId));
    switch (relation.type) {
      case "reply":
        return { type: "reply", ...defined("to", await id(relation.to)) };
      case "thread":
        return {
          type: "thread",
          ...defined("root", await id(relation.root)),
          ...defined("latest", await id(relation.latest)),
          ...defined("replyTo", await id(relation.replyTo)),
        };
      case "edit":
        return { type: "edit", ...defined("target", await id(relation.target)) };
      case "reaction":
        return { type: "reaction", key: relation.key, ...defined("target", await id(relation.target)) };
    }
  }

  private async eventIdIn(ref: PlatformRef, roomId: string): Promise<string | undefined> {
    const matrix = await this.mapping.toMatrix(ref);
    return matrix?.roomId === roomId ? matrix.eventId : undefined;
  }

  private async redact(client: MatrixClient, op: RedactOperation, roomId: string, txnId: string): Promise<void> {
    const eventId = "eventId" in op.target ? op.target.eventId : await this.eventIdIn(op.target, roomId);
    // The room's operations run in order, so a target still unmapped never reached Matrix: nothing to
    // redact. This is what lets a deletion queue the redactions of every image its text may have had
    // (`imageRedactions`): a send queued before has linked its event, or been skipped or given up.
    if (eventId === undefined) return;
    const body = redactionContent(eventId, await this.roomVersion(client, roomId), op.reason);
    await client.doRequest("PUT", `${V3}/rooms/${enc(roomId)}/redact/${enc(eventId)}/${enc(txnId)}`, null, body);
  }

  private async membership(client: MatrixClient, op: MembershipOperation, roomId: string): Promise<void> {
    const userId = op.userId ?? op.sender;
    const reason = op.reason === undefined ? {} : { reason: op.reason };
    const room = `${V3}/rooms/${enc(roomId)}`;
    try {
      if (op.action === "join" || op.action === "leave") await client.doRequest("POST", `${room}/${op.action}`, null, reason);
      else await client.doRequest("POST", `${room}/${op.action}`, null, { user_id: userId, ...reason });
    } catch (error) {
      if (!isDefiniteRefusal(error)) throw error;
      // Refused because it already took effect (a retry, or it was already so): done.
      if (!membershipReached(op.action, await this.membershipOf(client, roomId, userId, op.action === "leave"))) throw error;
    }
  }

  /** The member's current membership; when `unreadableIsNone`, a room the client cannot read counts as none. */
  private async membershipOf(client: MatrixClient, roomId: string, userId: string, unreadableIsNone: boolean): Promise<string | undefined> {
    try {
      const content = (await client.getRoomStateEvent(roomId, "m.room.member", userId)) as { membership?: unknown };
      return typeof content?.membership === "string" ? content.membership : undefined;
    } catch (error) {
      if (statusOf(error) === 404 || (unreadableIsNone && statusOf(error) === 403)) return undefined;
      return "unknown";
    }
  }

  private async profile(client: MatrixClient, op: ProfileOperation): Promise<void> {
    const base = `${V3}/profile/${enc(op.sender)}`;
    if (op.displayName !== undefined) await client.doRequest("PUT", `${base}/displayname`, null, { displayname: op.displayName });
    const avatarUrl = op.avatarSource === undefined ? op.avatarUrl : await this.importedAvatar(op.avatarSource);
    if (avatarUrl !== undefined) await client.doRequest("PUT", `${base}/avatar_url`, null, { avatar_url: avatarUrl });
  }

  private async importedAvatar(source: string): Promise<string> {
    if (!this.avatars) throw Object.assign(new Error("avatar import is not configured"), { statusCode: 400 });
    return this.avatars.mxcFor(source);
  }

  /**
   * Creates the portal unless it exists: already mapped, or its alias taken (`M_ROOM_IN_USE`: created
   * by an attempt whose answer was lost, or by a concurrent creation), then the room is found by
   * its alias. The alias is not looked up first: for an alias in Mirage's namespace that the
   * homeserver does not know, a lookup asks Mirage's own alias query, which waits for this very
   * creation. The room is mapped in the batch that completes the entry.
   */
  private async createRoom(client: MatrixClient, op: CreateRoomOperation): Promise<MappingLink[]> {
    if (await this.mapping.toMatrix(op.room)) return [];
    const link = (roomId: string): MappingLink[] => [{ ref: op.room, roomId, origin: "platform" }];
    const alias = this.appservice.getAlias(op.alias);
    try {
      const powerLevels = await this.powerLevelsFor(client, op);
      const body = createRoomBody(powerLevels === undefined ? op : { ...op, powerLevels });
      const answer = (await client.doRequest("POST", `${V3}/createRoom`, null, body)) as { room_id: string };
      return link(answer.room_id);
    } catch (error) {
      if (errcodeOf(error) !== "M_ROOM_IN_USE") throw error;
      const raced = await this.roomByAlias(client, alias);
      if (!raced) throw error;
      return link(raced);
    }
  }

  /**
   * The power levels to create with. The homeserver replaces its default `users` (which names the
   * creator) with the override's: in room versions before 12 the sender is added back at 100, so the
   * creator keeps its power; from 12 on the creator owns the room and must not be listed.
   */
  private async powerLevelsFor(client: MatrixClient, op: CreateRoomOperation): Promise<Record<string, unknown> | undefined> {
    const users = op.powerLevels?.users;
    if (typeof users !== "object" || users === null) return op.powerLevels;
    const version = op.roomVersion ?? (await this.defaultRoomVersion(client));
    if (version === undefined || CREATOR_OWNS.has(version)) return op.powerLevels;
    return { ...op.powerLevels, users: { [op.sender]: 100, ...users } };
  }

  /** The homeserver's default room version (from its capabilities), or undefined when it does not say. */
  private async defaultRoomVersion(client: MatrixClient): Promise<string | undefined> {
    if (this.defaultVersion !== undefined) return this.defaultVersion;
    try {
      const answer = (await client.doRequest("GET", `${V3}/capabilities`)) as { capabilities?: { "m.room_versions"?: { default?: unknown } } };
      const version = answer?.capabilities?.["m.room_versions"]?.default;
      if (typeof version === "string") this.defaultVersion = version;
    } catch (error) {
      if (!isDefiniteRefusal(error)) throw error;
    }
    return this.defaultVersion;
  }

  private async roomByAlias(client: MatrixClient, alias: string): Promise<string | undefined> {
    try {
      const answer = (await client.doRequest("GET", `${V3}/directory/room/${enc(alias)}`)) as { room_id?: unknown };
      return typeof answer?.room_id === "string" ? answer.room_id : undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** The room's version (from its create event; it never changes). */
  private async roomVersion(client: MatrixClient, roomId: string): Promise<string> {
    const known = this.roomVersions.get(roomId);
    if (known !== undefined) return known;
    const create = (await client.getRoomStateEvent(roomId, "m.room.create", "")) as { room_version?: unknown };
    const version = typeof create?.room_version === "string" ? create.room_version : "1";
    this.roomVersions.set(roomId, version);
    return version;
  }

  /**
   * The event as it may leave Mirage: encrypted in encrypted rooms. Without a ready crypto
   * device the send is refused rather than leaking plaintext to the homeserver.
   */
  private async sealed(client: MatrixClient, roomId: string, eventType: string, content: Record<string, unknown>) {
    if (!(await this.isEncrypted(client, roomId))) return { eventType, content };
    if (!client.crypto?.isReady) throw new PlaintextRefusedError(roomId);
    // A device that was closed may hold an outdated "not encrypted" for the room: read it again.
    if (!(await client.crypto.isRoomEncrypted(roomId))) await client.crypto.onRoomEvent(roomId, { type: "m.room.encryption", state_key: "", content: {} });
    const withFiles = await sealMediaContent(client, eventType, content);
    // The bindings persist the ratchet before returning the ciphertext.
    const sealed = (await client.crypto.encryptRoomEvent(roomId, eventType, withFiles)) as unknown as Record<string, unknown>;
    return { eventType: "m.room.encrypted", content: sealed };
  }

  private isEncrypted(client: MatrixClient, roomId: string): Promise<boolean> {
    return this.encryption.resolve(roomId, async () => {
      if (client.crypto?.isReady) return client.crypto.isRoomEncrypted(roomId);
      try {
        await client.getRoomStateEvent(roomId, "m.room.encryption", "");
        return true;
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw error;
      }
    });
  }

  private async clientFor(userId: string): Promise<MatrixClient> {
    if (userId === this.appservice.botUserId) return this.appservice.botClient;
    const intent = this.appservice.getIntentForUserId(userId);
    await intent.ensureRegistered();
    return intent.underlyingClient;
  }
}

function imageContent(body: string, image: ImportedImage): Record<string, unknown> {
  return { msgtype: "m.image", body, url: image.mxc, info: { w: image.width, h: image.height, mimetype: image.mimetype, size: image.size } };
}

function createRoomBody(op: CreateRoomOperation): Record<string, unknown> {
  return {
    room_alias_name: op.alias,
    ...(op.name === undefined ? {} : { name: op.name }),
    ...(op.topic === undefined ? {} : { topic: op.topic }),
    ...(op.isDirect === undefined ? {} : { is_direct: op.isDirect }),
    ...(op.preset === undefined ? {} : { preset: op.preset }),
    ...(op.visibility === undefined ? {} : { visibility: op.visibility }),
    ...(op.roomVersion === undefined ? {} : { room_version: op.roomVersion }),
    ...(op.invite === undefined ? {} : { invite: op.invite }),
    ...(op.initialState === undefined ? {} : { initial_state: op.initialState.map((s) => ({ type: s.type, state_key: s.stateKey, content: s.content })) }),
    ...(op.powerLevels === undefined ? {} : { power_level_content_override: op.powerLevels }),
  };
}

function required(roomId: string | undefined): string {
  if (roomId === undefined) throw new UnresolvedTargetError("room");
  return roomId;
}

function defined<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
