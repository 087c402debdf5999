import type { FastifyBaseLogger } from "fastify";
import type { CommentView } from "../platform/blogs/Comment.js";
import type { CommentService } from "../platform/blogs/CommentService.js";
import type { BlogService } from "../platform/blogs/BlogService.js";
import type { PostView } from "../platform/blogs/Post.js";
import type { ChatService } from "../platform/chat/ChatService.js";
import type { MessageView } from "../platform/chat/Room.js";
import { ErrorCodes, isMirageError } from "../platform/errors/MirageError.js";
import { asCommentId, asMessageId, asPostId, asRoomId, type AccountName } from "../platform/ids.js";
import type { Person } from "../platform/people/Person.js";
import { people } from "../platform/people/people.js";
import type { SyncEvent } from "../platform/sync/SyncEvent.js";
import type { ProfileLookup } from "./profileLookup.js";
import { commentJson, postJson } from "./routes/blogJson.js";
import { messageView, roomView } from "./routes/chatRoutes.js";

/**
 * For each event of one sync answer, what it names as `reader` may read it now (`undefined`:
 * nothing to carry, gone, or hidden from them), in the JSON of the thing's own read route.
 */
export type SyncObjects = (reader: AccountName, events: readonly SyncEvent[]) => Promise<unknown[]>;

export interface SyncObjectSources {
  chat: ChatService;
  blogs?: { blogs: BlogService; comments: CommentService };
  profiles: ProfileLookup;
  /** Where an unexpected failure to read an object is reported (the event then goes without it). */
  log: FastifyBaseLogger;
}

type Of = "message" | "post" | "comment" | "room";
/** What an event names: the thing itself, or (`counts`) the reactions on it. */
interface Need {
  of: Of;
  id: string;
  counts: boolean;
}

const CARRIES: Readonly<Record<string, Of>> = {
  "message.created": "message",
  "message.edited": "message",
  "message.delivery_failed": "message",
  "comment.created": "comment",
  "comment.edited": "comment",
  "post.created": "post",
  "post.edited": "post",
  "room.created": "room",
  "member.changed": "room",
};

function needOf(event: SyncEvent, reader: string): Need | undefined {
  const data = event.data as { roomId?: string; member?: string; messageId?: string; postId?: string; commentId?: string; target?: { kind?: string; id?: string } };
  // Your own read marker moved (from another tab or device): the room with its new unread count.
  if (event.kind === "room.read") return data.member === reader && typeof data.roomId === "string" ? { of: "room", id: data.roomId, counts: false } : undefined;
  if (event.kind === "reaction.added" || event.kind === "reaction.removed") {
    const kind = data.target?.kind;
    const id = data.target?.id;
    return (kind === "message" || kind === "post" || kind === "comment") && typeof id === "string" ? { of: kind, id, counts: true } : undefined;
  }
  const of = CARRIES[event.kind];
  const id = of === "message" ? data.messageId : of === "comment" ? data.commentId : of === "post" ? data.postId : of === "room" ? data.roomId : undefined;
  return of !== undefined && typeof id === "string" ? { of, id, counts: false } : undefined;
}

/** The target's reactions in the reaction routes' shape: counts by key, and the reader's own keys. */
const countsOf = (view: { reactions: Record<string, number>; myReactions: string[] }) => ({ reactions: view.reactions, myReactions: view.myReactions });

/**
 * Reads, at delivery time, the objects a batch of sync events names, as their recipient may read
 * them by the rules of the read routes (`GET /rooms/{id}/messages`, `/posts/{id}`, …), so a client
 * needs no request per event. Bounded per answer: each distinct thing is read once whatever the
 * number of events naming it (an edit twice in one answer carries the current text in both),
 * messages in one batch with their reactions, and the profiles of everyone named in one lookup.
 * Nothing is read per member of a room. A thing gone or hidden gets no object, never an error.
 */
export function syncObjects(sources: SyncObjectSources): SyncObjects {
  const { chat, blogs, profiles, log } = sources;

  /** Each id's value, leaving out those the reader may not have (404/403 on the read route). */
  const readEach = async <T>(ids: Set<string>, read: (id: string) => Promise<T>): Promise<Map<string, T>> => {
    const found = new Map<string, T>();
    await Promise.all(
      [...ids].map(async (id) => {
        try {
          found.set(id, await read(id));
        } catch (error) {
          if (isMirageError(error) && (error.code === ErrorCodes.notFound || error.code === ErrorCodes.forbidden)) return;
          log.warn({ err: error }, "sync could not read an object; the event goes without it");
        }
      }),
    );
    return found;
  };

  return async (reader, events) => {
    const needs = events.map((event) => needOf(event, reader));
    const ids: Record<Of, Set<string>> = { message: new Set(), post: new Set(), comment: new Set(), room: new Set() };
    for (const need of needs) if (need) ids[need.of].add(need.id);
    if (needs.every((need) => need === undefined)) return needs;
    const person: Person = people.account(reader);
    const [messages, posts, comments, rooms] = await Promise.all([
      ids.message.size === 0
        ? new Map<string, MessageView>()
        : chat.readableMessages(person, [...ids.message].map(asMessageId)).then((views) => new Map<string, MessageView>(views.map((view) => [view.id, view])), (error) => {
            log.warn({ err: error }, "sync could not read messages; their events go without them");
            return new Map<string, MessageView>();
          }),
      blogs ? readEach<PostView>(ids.post, (id) => blogs.blogs.getPost(asPostId(id), person)) : new Map<string, PostView>(),
      blogs ? readEach<CommentView>(ids.comment, (id) => blogs.comments.getComment(asCommentId(id), person)) : new Map<string, CommentView>(),
      // As GET /rooms/{id}: its members, and its unread count and last message for the reader.
      readEach(ids.room, async (id) => {
        const [room, activity] = await Promise.all([chat.getRoom(person, asRoomId(id)), chat.activity(person, asRoomId(id))]);
        return { ...room, activity };
      }),
    ]);
    const named = [
      ...[...messages.values()].map((m) => m.sender),
      ...[...posts.values()].map((p) => p.author),
      ...[...comments.values()].map((c) => c.author),
      ...[...rooms.values()].flatMap((r) => (r.activity.lastMessage ? [r.activity.lastMessage.sender] : [])),
    ];
    const profileOf = await profiles(named);
    const built = new Map<string, unknown>();
    const build = (need: Need): unknown => {
      if (need.of === "message") {
        const view = messages.get(need.id);
        // Reactions on a tombstone are gone with it, as the reaction routes answer 404 for it.
        return view && (need.counts ? (view.deleted ? undefined : countsOf(view)) : messageView(view, profileOf));
      }
      if (need.of === "post") {
        const view = posts.get(need.id);
        return view && (need.counts ? countsOf(view) : postJson(view, profileOf));
      }
      if (need.of === "comment") {
        const view = comments.get(need.id);
        return view && (need.counts ? (view.deleted ? undefined : countsOf(view)) : commentJson(view, profileOf));
      }
      const found = rooms.get(need.id);
      return found && roomView(found.room, found.membership, found.activity, profileOf, found.members);
    };
    return needs.map((need) => {
      if (!need) return undefined;
      const key = `${need.counts ? "counts" : "object"}:${need.of}:${need.id}`;
      if (!built.has(key)) built.set(key, build(need));
      return built.get(key);
    });
  };
}
