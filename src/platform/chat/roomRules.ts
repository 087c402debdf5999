import type { MemberId, Membership, Room } from "./Room.js";

/**
 * Who may do what in a room: the one copy of these rules, used by the read paths (which answer
 * 404/403) and by the audiences of live events (who hears of a change), so nobody is told of
 * something they could not read.
 */
export const roomRules = {
  /** The room itself (name, topic, members): joined and invited members; others get 404. */
  maySeeRoom(membership: Membership | undefined): boolean {
    return membership === "join" || membership === "invite";
  },

  /** Its messages and their reactions: joined members only; an invitee gets 403 until they join. */
  mayReadMessages(membership: Membership | undefined): boolean {
    return membership === "join";
  },

  /**
   * Whether someone with `membership` may join without anyone's help: when invited, or when the
   * room is public and they are not banned.
   */
  mayJoin(room: Room, membership: Membership | undefined): boolean {
    return membership === "invite" || (room.joinRule === "public" && room.kind === "group" && membership !== "ban");
  },

  /**
   * Whether `person` may delete other people's messages: the creator of a group room. In a DM
   * nobody moderates the other, whoever opened it: each deletes and edits only their own.
   * The same person kicks and bans members on the web side.
   */
  moderates(room: Room, person: MemberId): boolean {
    return room.kind === "group" && room.createdBy === person;
  },
} as const;
