import { bridgeInfoState } from "../matrix/bridgeInfo.js";
import type { PersonId } from "../platform/people/Person.js";
import { people } from "../platform/people/people.js";
import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { BridgeNames } from "./bridgeNames.js";

export interface BlogRoomSettings {
  botUserId: string;
  /** The web page of a blog, for the bridge-info `external_url`. */
  blogUrl?: (owner: PersonId) => string;
}

/** A blog as its room shows it. */
export interface BlogFacts {
  owner: PersonId;
  title: string;
  description: string;
}

/**
 * Power levels of a blog room over the server's defaults: anyone may send messages and reactions
 * (comments are thread replies, which Matrix cannot tell from top-level posts; the inbound side
 * removes others' top-level events), while state, redacting others' events, kicks and bans take
 * power only the owner and Mirage have.
 */
const BLOG_POWER = { events_default: 0, users_default: 0, invite: 0, state_default: 50, redact: 50, kick: 50, ban: 50 } as const;

/** The Matrix user who speaks for a blog's owner: its ghost for an account, the bot for a Matrix owner. */
export function blogVoice(owner: PersonId, names: BridgeNames, botUserId: string): string {
  return people.isMatrixId(owner) ? botUserId : names.ghost(owner);
}

/**
 * The operations that create a blog's room `#<prefix>blog_<owner>`: public (anyone may join),
 * history readable by anyone, never encrypted, with bridge-info state, name and topic from the
 * blog. An account's blog room is created by the owner's ghost (its owner by the create event)
 * and the bot joins it; a Matrix owner's by the bot, the owner invited with power 100. The bot is
 * in every blog room, with power 100. Safe to enqueue twice: creation finds the room by its alias.
 */
export function blogRoomCreation(blog: BlogFacts, names: BridgeNames, settings: BlogRoomSettings): OutboxEntryInput[] {
  const room = { kind: "blog" as const, id: blog.owner };
  const matrixOwner = people.isMatrixId(blog.owner);
  const sender = blogVoice(blog.owner, names, settings.botUserId);
  const initialState = bridgeInfoState(settings.botUserId, "!unused:blog", {
    id: `blog:${blog.owner}`,
    displayname: blog.title,
    ...(settings.blogUrl ? { externalUrl: settings.blogUrl(blog.owner) } : {}),
  }).map(({ eventType, stateKey, content }) => ({ type: eventType, stateKey, content }));
  initialState.push({ type: "m.room.history_visibility", stateKey: "", content: { history_visibility: "world_readable" } });
  // The creator owns the room by its create event (room versions ≥ 12 refuse it in `users`).
  const admins = matrixOwner ? [blog.owner] : [settings.botUserId];
  const ops: OutboxEntryInput[] = [
    {
      op: "createRoom",
      sender,
      room,
      alias: names.blogAliasLocalpart(blog.owner),
      name: blog.title.slice(0, 255),
      ...(blog.description ? { topic: blog.description.slice(0, 1000) } : {}),
      preset: "public_chat",
      visibility: "private",
      ...(matrixOwner ? { invite: [blog.owner] } : {}),
      initialState,
      powerLevels: { ...BLOG_POWER, users: Object.fromEntries(admins.map((id) => [id, 100])) },
    },
  ];
  if (!matrixOwner) ops.push({ op: "membership", action: "join", sender: settings.botUserId, room });
  return ops;
}

/** The receipt queued with a blog room's creation: that it is on its way, for whoever asks later. */
export const blogRoomReceipt = (owner: string) => `blog-room:${owner}`;
