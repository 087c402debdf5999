import type { Room, MembershipRecord } from "../platform/chat/Room.js";
import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import { people } from "../platform/people/people.js";
import { bridgeInfoState } from "../matrix/bridgeInfo.js";
import type { BridgeNames } from "./bridgeNames.js";

export interface PortalSettings {
  botUserId: string;
  /** Whether new portals get `m.room.encryption` (Megolm). */
  encrypt: boolean;
  /** The web page of a room, for the bridge-info `external_url`. */
  roomUrl?: (room: Room) => string;
}

/**
 * The operations that create a room's portal and bring its members in: the room itself (with its
 * alias, bridge-info state, join rule, encryption and power levels: the room's creator and the bot
 * are admins), every joined Mirage member's ghost invited and joined, invited accounts' ghosts
 * invited, then invited Matrix users invited by their inviter's ghost (the bot when the inviter is
 * not a joined account). A group portal is created by the bot; a DM by its Mirage member's ghost,
 * with the other side invited in the creation itself as an `is_direct` invite, so Element shows a
 * direct chat. Safe to enqueue twice: creation finds the room by its alias, and membership changes
 * that took effect count as done.
 */
export function portalCreation(room: Room, members: readonly MembershipRecord[], names: BridgeNames, settings: PortalSettings): OutboxEntryInput[] {
  const ref = { kind: "room" as const, id: room.id };
  const accounts = members.filter((m) => !people.isMatrixId(m.member));
  const ghostsJoined = accounts.filter((m) => m.membership === "join").map((m) => names.ghost(m.member));
  const ghostsInvited = accounts.filter((m) => m.membership === "invite").map((m) => names.ghost(m.member));
  const matrixInvited = members.filter((m) => (m.membership === "join" || m.membership === "invite") && people.isMatrixId(m.member));
  const creatorId = names.matrixUser(room.createdBy);
  const isDm = room.kind === "dm";
  const sender = isDm ? (ghostsJoined[0] ?? settings.botUserId) : settings.botUserId;
  const initialState = bridgeInfoState(settings.botUserId, "!unused:portal", {
    id: room.id,
    ...(room.name ? { displayname: room.name } : {}),
    ...(settings.roomUrl ? { externalUrl: settings.roomUrl(room) } : {}),
  }).map(({ eventType, stateKey, content }) => ({ type: eventType, stateKey, content }));
  if (settings.encrypt) initialState.push({ type: "m.room.encryption", stateKey: "", content: { algorithm: "m.megolm.v1.aes-sha2" } });
  const invite = [...new Set([...ghostsJoined, ...ghostsInvited, ...(isDm ? matrixInvited.map((m) => m.member) : [])])].filter((id) => id !== sender);
  const ops: OutboxEntryInput[] = [
    {
      op: "createRoom",
      sender,
      room: ref,
      alias: names.portalAliasLocalpart(room.id),
      ...(room.name ? { name: room.name } : {}),
      ...(room.topic ? { topic: room.topic } : {}),
      ...(isDm ? { isDirect: true, preset: "trusted_private_chat" as const } : { preset: room.joinRule === "public" ? ("public_chat" as const) : ("private_chat" as const) }),
      visibility: "private",
      invite: invite.slice(0, 100),
      initialState,
      // The sender creates the room: it is its owner (room versions ≥ 12 refuse it in `users`).
      powerLevels: { users: Object.fromEntries([settings.botUserId, creatorId].filter((id) => id !== sender).map((id) => [id, 100])) },
    },
  ];
  for (const ghost of ghostsJoined) if (ghost !== sender) ops.push({ op: "membership", action: "join", sender: ghost, room: ref });
  if (!isDm) {
    for (const m of matrixInvited) {
      const inviter = !people.isMatrixId(m.by) && ghostsJoined.includes(names.ghost(m.by)) ? names.ghost(m.by) : settings.botUserId;
      ops.push({ op: "membership", action: "invite", sender: inviter, room: ref, userId: m.member });
    }
  }
  return ops;
}
