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
   * Whether `person` may delete other people's messages: the creator of a group room. In a DM
   * nobody moderates the other, whoever opened it: each deletes and edits only their own.
   */
  moderates(room: Room, person: MemberId): boolean {
    return room.kind === "group" && room.createdBy === person;
  },
} as const;
