import { isDeepStrictEqual } from "node:util";
import { bridgeInfoState } from "../matrix/bridgeInfo.js";
import type { MembershipRecord, Room } from "../platform/chat/Room.js";
import type { MatrixUserId } from "../platform/ids.js";
import { people } from "../platform/people/people.js";
import type { GhostAccounts } from "../platform/ports/GhostAccounts.js";
import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { BridgeNames } from "./bridgeNames.js";
import type { PortalSettings } from "./portalCreation.js";

/** A state event as the homeserver lists a room's current state. */
export interface MatrixStateEvent {
  type: string;
  state_key: string;
  content: Record<string, unknown>;
}

/** A portal's current Matrix state, indexed: each user's membership and each state event's content. */
export interface PortalMatrixState {
  memberships: ReadonlyMap<string, string>;
  content(type: string, stateKey?: string): Record<string, unknown> | undefined;
}

/** Indexes a room's state as `GET /rooms/{roomId}/state` lists it; malformed entries are skipped. */
export function indexRoomState(events: readonly MatrixStateEvent[]): PortalMatrixState {
  const memberships = new Map<string, string>();
  const byKey = new Map<string, Record<string, unknown>>();
  for (const event of events) {
    if (typeof event?.type !== "string" || typeof event.state_key !== "string" || typeof event.content !== "object" || event.content === null) continue;
    byKey.set(`${event.type}\u0000${event.state_key}`, event.content);
    if (event.type === "m.room.member" && typeof event.content.membership === "string") memberships.set(event.state_key, event.content.membership);
  }
  return { memberships, content: (type, stateKey = "") => byKey.get(`${type}\u0000${stateKey}`) };
}

/**
 * The outbox operations that bring a portal in line with its platform room, sent by the bot
 * unless a ghost must act itself. The platform is the source of truth:
 * - an account's ghost is joined when the account is a joined member (the bot invites it first),
 *   invited when it is invited, and not in the room otherwise (it leaves; a pending invite is withdrawn);
 * - a Matrix user who is a joined or invited member but has no membership in Matrix (or left) is
 *   invited; one the platform removed (a departure by someone else) is kicked; one who is in
 *   Matrix without being a member is left alone (Matrix users join and leave on their own);
 * - the room's name and topic, and the bridge-info state (`m.bridge`, `uk.half-shot.bridge`).
 * - a member the platform banned is banned; someone banned in Matrix is otherwise left as they are.
 * Computed from the current state, so running it again once
 * the operations were sent yields none.
 */
export function portalResyncOps(input: {
  room: Room;
  members: readonly MembershipRecord[];
  matrixRoomId: string;
  matrix: PortalMatrixState;
  names: BridgeNames;
  ghosts: GhostAccounts;
  settings: PortalSettings;
}): OutboxEntryInput[] {
  const { room, members, matrixRoomId: roomId, matrix, names, ghosts, settings } = input;
  const bot = settings.botUserId;
  const ops: OutboxEntryInput[] = [];
  const platformGhosts = new Set<string>();

  for (const record of members) {
    const isAccount = !people.isMatrixId(record.member);
    const userId = names.matrixUser(record.member);
    const has = matrix.memberships.get(userId);
    // Widened: the platform's memberships may include `ban`.
    const wants: string = record.membership;
    if (isAccount) platformGhosts.add(userId);
    if (wants === "ban") {
      const reason = (record as { reason?: unknown }).reason;
      if (has !== "ban") ops.push({ op: "membership", action: "ban", sender: bot, roomId, userId, ...(typeof reason === "string" && reason ? { reason: reason.slice(0, 1000) } : {}) });
      continue;
    }
    if (has === "ban") continue;
    if (isAccount) {
      if (record.membership === "join" && has !== "join") {
        if (has !== "invite") ops.push({ op: "membership", action: "invite", sender: bot, roomId, userId });
        ops.push({ op: "membership", action: "join", sender: userId, roomId });
      } else if (record.membership === "invite" && has !== "invite" && has !== "join") {
        ops.push({ op: "membership", action: "invite", sender: bot, roomId, userId });
      } else if (record.membership === "leave" && has === "join") {
        ops.push({ op: "membership", action: "leave", sender: userId, roomId });
      } else if (record.membership === "leave" && has === "invite") {
        ops.push({ op: "membership", action: "kick", sender: bot, roomId, userId });
      }
      continue;
    }
    if ((record.membership === "join" || record.membership === "invite") && (has === undefined || has === "leave")) {
      ops.push({ op: "membership", action: "invite", sender: bot, roomId, userId });
    } else if (record.membership === "leave" && record.by !== record.member && (has === "join" || has === "invite")) {
      ops.push({ op: "membership", action: "kick", sender: bot, roomId, userId });
    }
  }
  // Ghosts in the room whose accounts the platform does not list at all.
  for (const [userId, has] of matrix.memberships) {
    if (platformGhosts.has(userId) || userId === bot || ghosts(userId as MatrixUserId) === undefined) continue;
    if (has === "join") ops.push({ op: "membership", action: "leave", sender: userId, roomId });
    if (has === "invite") ops.push({ op: "membership", action: "kick", sender: bot, roomId, userId });
  }

  const wanted = [
    { op: "state" as const, sender: bot, roomId, eventType: "m.room.name", stateKey: "", content: { name: room.name } },
    { op: "state" as const, sender: bot, roomId, eventType: "m.room.topic", stateKey: "", content: { topic: room.topic } },
    ...bridgeInfoState(bot, roomId, {
      id: room.id,
      ...(room.name ? { displayname: room.name } : {}),
      ...(settings.roomUrl ? { externalUrl: settings.roomUrl(room) } : {}),
    }),
  ];
  for (const state of wanted) {
    const current = matrix.content(state.eventType, state.stateKey);
    // An absent name or topic and an empty one read the same.
    const absentAndEmpty = current === undefined && Object.values(state.content).every((v) => v === "");
    if (!absentAndEmpty && !isDeepStrictEqual(current, state.content)) ops.push(state);
  }
  return ops;
}

