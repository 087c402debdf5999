import type { Logger } from "../log/createLogger.js";
import type { EffectSink, EventHandler } from "../matrix/EventHandler.js";
import type { RoomEvent } from "../matrix/matrixEvent.js";
import type { ChatService } from "../platform/chat/ChatService.js";
import type { MessageRepository, RoomRepository } from "../platform/chat/Room.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { WriteOptions } from "../platform/events/DomainEvent.js";
import { asMessageId, asReactionTargetId, asRoomId, type MessageId, type RoomId } from "../platform/ids.js";
import { isMediaId, isServerName } from "../platform/media/MediaRef.js";
import type { Person } from "../platform/people/Person.js";
import { people } from "../platform/people/people.js";
import type { GhostAccounts } from "../platform/ports/GhostAccounts.js";
import type { IdMapping, PlatformRef } from "../platform/ports/IdMapping.js";
import type { ReactionService } from "../platform/reactions/ReactionService.js";
import type { MatrixUserId } from "../platform/ids.js";
import { matrixEditToMessage, matrixToMessage, type ImportContext } from "./convert/matrixToMessage.js";
import { parseRelation } from "./convert/parseRelation.js";
import { deliveryFailure, type DeliveryFailureReason } from "../matrix/deliveryFailure.js";
import type { BridgeNames } from "./bridgeNames.js";
import type { EncryptedMediaRecord, EncryptedMediaStore } from "../platform/ports/EncryptedMedia.js";
import type { EncryptedFile } from "./convert/encryptedFile.js";
import { encryptedMediaId } from "./encryptedMediaId.js";

export interface BridgeEventHandlerDeps {
  chat: ChatService;
  reactions: ReactionService;
  rooms: RoomRepository;
  messages: MessageRepository;
  mapping: IdMapping;
  names: BridgeNames;
  ghosts: GhostAccounts;
  botUserId: string;
  /** Whether a Matrix user ID is one of Mirage's own (the bot or a ghost). */
  isOwnUser(userId: string): boolean;
  /** Told of each Matrix message refused (answered with a delivery status), for metrics. */
  onRefused?: (reason: DeliveryFailureReason) => void;
  /** The web URL of a valid `mxc://` URI on Mirage's media route. */
  mediaUrl(mxc: string): string;
  /**
   * Attachments of encrypted messages: their keys are kept in `store` and the message links
   * `url(id)`, the media route that decrypts them. Without it, such messages are refused as unsupported.
   */
  encryptedMedia?: { store: EncryptedMediaStore; url(id: string): string };
  /**
   * A ghost's membership in a room as the homeserver holds it now (read as the ghost; after it
   * left, the state at its departure), or undefined when unreadable. Without it, departures of
   * ghosts that others made are not applied.
   */
  ghostMembership?: (roomId: string, ghostUserId: string) => Promise<string | undefined>;
  logger: Logger;
}

/**
 * How Matrix content becomes platform Markdown here: media links to Mirage's media route
 * (`mediaRoute`), so files are links web pages keep (an `mxc://` href is not one) and images load
 * through Mirage; a ghost's pill becomes its account's handle.
 */
export function importContextFor(mediaRoute: (mxc: string) => string, ghosts: GhostAccounts): ImportContext {
  return {
    mediaUrl(mxc) {
      const match = /^mxc:\/\/([^/]+)\/([^/]+)$/.exec(mxc);
      return match && isServerName(match[1]!) && isMediaId(match[2]!) ? mediaRoute(mxc) : undefined;
    },
    ghosts,
  };
}

/**
 * Matrix → platform, for events in portal rooms: messages (with replies and threads), edits,
 * redactions, reactions and memberships become service calls acting as the Matrix user, under the
 * platform's rules. Each write carries the event as its origin, so the event's mapping link is
 * committed with the change: the mapping is checked first, and a replayed event does nothing.
 * A message the platform refuses gets a delivery-status event and a short notice, once.
 */
export class BridgeEventHandler implements EventHandler {
  private readonly log: Logger;
  private readonly importContext: ImportContext;

  constructor(private readonly deps: BridgeEventHandlerDeps) {
    this.log = deps.logger.child({ component: "bridge-inbound" });
    this.importContext = importContextFor(deps.mediaUrl, deps.ghosts);
  }

  /** The platform room `roomId` is the portal of, if any. */
  async portalOf(roomId: string): Promise<RoomId | undefined> {
    const ref = await this.deps.mapping.byRoom(roomId);
    return ref?.kind === "room" ? asRoomId(ref.id) : undefined;
  }

  async handle(event: RoomEvent, effects: EffectSink): Promise<void> {
    const roomId = await this.portalOf(event.roomId);
    if (!roomId || this.deps.isOwnUser(event.sender)) return;
    // A state event of a timeline type (a "message" set as room state) is not what clients show as one.
    if (event.stateKey !== undefined && event.type !== "m.room.member") return;
    if (await this.deps.mapping.byEvent(event.eventId)) return;
    const person = people.canonical(people.matrix(event.sender as MatrixUserId), this.deps.ghosts);
    const options: WriteOptions = { origin: { roomId: event.roomId, eventId: event.eventId } };
    try {
      switch (event.type) {
        case "m.room.message":
          return await this.onMessage(event, roomId, person, options, effects);
        case "m.reaction":
          return await this.onReaction(event, person, options);
        case "m.room.redaction":
          return await this.onRedaction(event, person, options);
        case "m.room.member":
          return await this.onMember(event, roomId, person, options);
        default:
          return;
      }
    } catch (error) {
      if (!(error instanceof MirageError)) throw error;
      // Capacity is not the message's fault: the lane retries it.
      if (error.code === ErrorCodes.overloaded) throw Object.assign(new Error("platform overloaded"), { statusCode: 503, cause: error });
      this.log.info({ roomId: event.roomId, eventId: event.eventId, eventType: event.type, code: error.code }, "platform refused a Matrix event");
      if (event.type === "m.room.message" || event.type === "m.reaction") {
        await this.refuse(event, roomId, error.code === ErrorCodes.forbidden || error.code === ErrorCodes.notFound ? "no_permission" : "invalid", error.message, effects);
      }
    }
  }

  private async onMessage(event: RoomEvent, roomId: RoomId, person: Person, options: WriteOptions, effects: EffectSink): Promise<void> {
    const relation = parseRelation(event.content, { eventId: event.eventId });
    if (relation.type === "edit") {
      const target = await this.messageOf(relation.target);
      if (!target) return;
      const files: EncryptedMediaRecord[] = [];
      const edited = matrixEditToMessage(relation.newContent, this.contextFor(event, relation.target, relation.newContent, files));
      if ("unsupported" in edited) return this.refuseUnsupported(event, roomId, edited.unsupported, effects);
      await this.keep(files);
      await this.deps.chat.edit(person, target, edited.body, options);
      return;
    }
    const files: EncryptedMediaRecord[] = [];
    const imported = matrixToMessage(event.content, this.contextFor(event, event.eventId, event.content, files));
    if ("unsupported" in imported) return this.refuseUnsupported(event, roomId, imported.unsupported, effects);
    await this.keep(files);
    let threadId: MessageId | undefined;
    let parentId: MessageId | undefined;
    if (relation.type === "reply") parentId = await this.messageOf(relation.to);
    if (relation.type === "thread") {
      threadId = await this.messageOf(relation.root);
      if (threadId && relation.replyTo) parentId = await this.messageOf(relation.replyTo);
    }
    await this.deps.chat.send(
      person,
      roomId,
      { body: imported.body, kind: imported.kind, ...(threadId ? { threadId } : {}), ...(parentId ? { parentId } : {}) },
      options,
    );
  }

  private async onReaction(event: RoomEvent, person: Person, options: WriteOptions): Promise<void> {
    const relation = parseRelation(event.content);
    if (relation.type !== "annotation") return;
    const target = await this.messageOf(relation.target);
    if (!target) return;
    await this.deps.reactions.add(person, { kind: "message", id: target }, relation.key, options);
  }

  private async onRedaction(event: RoomEvent, person: Person, options: WriteOptions): Promise<void> {
    if (!event.redacts) return;
    const link = await this.deps.mapping.byEvent(event.redacts);
    if (!link) return;
    if (link.ref.kind === "message") {
      const message = await this.deps.messages.get(asMessageId(link.ref.id));
      if (!message || message.deleted) return;
      // The homeserver only accepts a redaction from the sender or someone with the power to: Matrix authorized it.
      const actor = people.id(person) === message.sender ? person : people.fromId(message.sender);
      await this.deps.chat.delete(actor, message.id, options);
      return;
    }
    if (link.ref.kind === "reaction") {
      const parsed = parseReactionRef(link.ref);
      if (parsed) await this.deps.reactions.remove(people.fromId(parsed.by), { kind: "message", id: asReactionTargetId(parsed.targetId) }, parsed.key, options);
    }
  }

  private async onMember(event: RoomEvent, roomId: RoomId, sender: Person, options: WriteOptions): Promise<void> {
    const target = event.stateKey;
    const membership = event.content.membership;
    // The bot's membership is its own business; a ghost's is its account's (invited, kicked or banned by a Matrix user).
    if (target === undefined || target === this.deps.botUserId || typeof membership !== "string") return;
    if (this.deps.isOwnUser(target) && this.deps.ghosts(target as MatrixUserId) === undefined) return;
    const member = people.canonical(people.matrix(target as MatrixUserId), this.deps.ghosts);
    switch (membership) {
      case "join":
        // Accepting an invite, or joining a public room (through its alias); joining again changes nothing.
        await this.deps.chat.join(member, roomId, options);
        return;
      case "invite": {
        const current = (await this.deps.rooms.membership(roomId, people.id(member)))?.membership;
        if (current === "join" || current === "invite") return;
        await this.deps.chat.invite(sender, roomId, people.id(member), options);
        return;
      }
      case "leave":
      case "ban": {
        // A ghost removed by someone else costs its account the room: only once the homeserver's own state says so,
        // so a forged event in a transaction cannot take a web user out.
        if (people.id(member) !== target && people.id(sender) !== people.id(member)) {
          const now = await this.deps.ghostMembership?.(event.roomId, target);
          if (now !== membership) {
            this.log.warn({ roomId: event.roomId, eventId: event.eventId, membership, current: now ?? null }, "ignoring a ghost's departure the homeserver does not show");
            return;
          }
        }
        // A leave, a kick (`sender` is someone else) or a ban, as Matrix decided it; a leave after a ban lifts it.
        const reason = typeof event.content.reason === "string" ? event.content.reason : undefined;
        await this.deps.chat.recordDeparture(member, roomId, { by: sender, membership, ...(reason ? { reason } : {}) }, options);
        return;
      }
      default:
        return;
    }
  }

  /**
   * The import context of one event: an encrypted attachment becomes a record in `files` (to
   * keep before the write that links it) and a link to its Mirage media reference.
   */
  private contextFor(event: RoomEvent, messageEventId: string, content: unknown, files: EncryptedMediaRecord[]): ImportContext {
    const encrypted = this.deps.encryptedMedia;
    if (!encrypted) return this.importContext;
    const info = (content as { info?: { mimetype?: unknown } } | null)?.info;
    const mimetype = typeof info?.mimetype === "string" && info.mimetype.length <= 255 ? info.mimetype : undefined;
    return {
      ...this.importContext,
      encryptedMediaUrl: (file: EncryptedFile) => {
        const id = encryptedMediaId(event.roomId, event.eventId);
        // Only the fields decryption reads: whatever else the sender put there is not kept.
        const { url, key, iv, hashes, v } = file;
        const keyOps = key.key_ops.filter((op): op is string => typeof op === "string" && op.length <= 16).slice(0, 4);
        const keys = { url, key: { kty: key.kty, alg: key.alg, k: key.k, key_ops: keyOps, ext: key.ext }, iv, hashes: { sha256: hashes.sha256 }, v };
        files.push({ id, roomId: event.roomId, eventId: event.eventId, messageEventId, file: keys, ...(mimetype ? { mimetype } : {}) });
        return encrypted.url(id);
      },
    };
  }

  /** Keeps the keys before the message that links them is written (a replay writes the same record again). */
  private async keep(files: readonly EncryptedMediaRecord[]): Promise<void> {
    for (const record of files) await this.deps.encryptedMedia!.store.put(record);
  }

  /** The platform message a Matrix event stands for, if it is one. */
  private async messageOf(eventId: string): Promise<MessageId | undefined> {
    const link = await this.deps.mapping.byEvent(eventId);
    return link?.ref.kind === "message" ? asMessageId(link.ref.id) : undefined;
  }

  /** A message the conversion could not carry: too long is the platform's limit, anything else a kind Mirage does not take. */
  private async refuseUnsupported(event: RoomEvent, roomId: RoomId, why: string, effects: EffectSink): Promise<void> {
    if (why === "too long") return this.refuse(event, roomId, "invalid", "the message is longer than Mirage takes", effects);
    return this.refuse(event, roomId, "unsupported", `this kind of message (${why}) is not carried to Mirage`, effects);
  }

  private async refuse(event: RoomEvent, roomId: RoomId, reason: DeliveryFailureReason, message: string, effects: EffectSink): Promise<void> {
    const room = await this.deps.rooms.get(roomId);
    const dmGhost = room?.kind === "dm" ? (await this.deps.rooms.members(roomId)).find((m) => !people.isMatrixId(m.member) && m.membership === "join") : undefined;
    const sender = dmGhost ? this.deps.names.ghost(dmGhost.member) : this.deps.botUserId;
    for (const op of deliveryFailure(event, sender, reason, message)) effects.send(op);
    this.deps.onRefused?.(reason);
  }
}

/** `reactionRefId`'s parts back: `<kind>:<targetId>|<by>|<key>`. */
function parseReactionRef(ref: PlatformRef): { targetId: string; by: string; key: string } | undefined {
  const match = /^message:([^|]+)\|([^|]+)\|(.+)$/s.exec(ref.id);
  return match ? { targetId: match[1]!, by: match[2]!, key: match[3]! } : undefined;
}
