/**
 * Key encoding, in one place. Sequence numbers and times are fixed-width so that
 * lexicographic key order is numeric order.
 */
const SEQ_WIDTH = 16;

export function encodeSeq(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`invalid sequence ${seq}`);
  return seq.toString().padStart(SEQ_WIDTH, "0");
}

export function decodeSeq(key: string): number {
  return Number.parseInt(key, 10);
}

/** Index key ordering by time, unique by id: `<time>:<id>`. */
export function timeKey(time: number, id: string): string {
  return `${encodeSeq(time)}:${id}`;
}

/** Joins key parts with NUL, which no identifier contains, so prefixes never run into each other. */
export function compositeKey(...parts: string[]): string {
  return parts.join("\x00");
}

/** Range of every key that starts with the given parts. */
export function prefixRange(...parts: string[]): { gte: string; lt: string } {
  const prefix = compositeKey(...parts);
  return { gte: `${prefix}\x00`, lt: `${prefix}\x01` };
}

/** The parts of a key made by `compositeKey`. */
export function splitKey(key: string): string[] {
  return key.split("\x00");
}

/**
 * A comment's place in its thread: the `timeKey`s of its ancestors and itself joined by \x01.
 * A parent's path is a prefix of its replies' paths and \x01 sorts below every path character,
 * so key order is thread order (each comment, then its replies oldest first, then its next sibling).
 */
const THREAD_SEP = "\x01";

export function threadPath(parentPath: string | undefined, time: number, id: string): string {
  const own = timeKey(time, id);
  return parentPath === undefined ? own : parentPath + THREAD_SEP + own;
}

/** Bounds selecting the replies (at any depth) below `path` among a post's thread keys. */
export function threadRepliesRange(postId: string, path: string): { gt: string; lt: string } {
  const prefix = compositeKey(postId, path);
  return { gt: prefix + THREAD_SEP, lt: prefix + "\x02" };
}

const TIME_KEY = /^[0-9]{16}:[A-Za-z0-9_-]{1,64}$/;

/** A room lane's key: room, then fixed-width sequence, so a lane is one contiguous range in arrival order. */
export function laneKey(roomId: string, seq: number): string {
  return compositeKey(roomId, encodeSeq(seq));
}

/** Smallest key after every key of `roomId`'s lane (and before the next room's). */
export function afterLane(roomId: string): string {
  return `${roomId}\x01`;
}

/** Dead letters: `e<seq>` for received events (lane sequence), `s<seq>` for sends (outbox sequence). */
export type DeadLetterKind = "e" | "s";

export function deadLetterKey(kind: DeadLetterKind, seq: number): string {
  return `${kind}${encodeSeq(seq)}`;
}

/** A journal consumer's dead letter: `j<position>:<consumer>` (several consumers may set aside the same entry). */
export function journalDeadLetterKey(position: number, consumer: string): string {
  return `j${encodeSeq(position)}:${consumer}`;
}

/** The id admins see for a journal dead letter (`j42:relay`). */
export function journalDeadLetterId(position: number, consumer: string): string {
  return `j${position}:${consumer}`;
}

/** The key of a dead letter id as shown to admins (`e42`, `j42:relay`), or undefined for anything else. */
export function deadLetterKeyOf(id: string): string | undefined {
  const journal = /^j([0-9]{1,15}):([a-z0-9-]{1,64})$/.exec(id);
  if (journal) return journalDeadLetterKey(Number(journal[1]), journal[2]!);
  const match = /^([es])([0-9]{1,15})$/.exec(id);
  return match ? deadLetterKey(match[1] as DeadLetterKind, Number(match[2])) : undefined;
}

/** A platform reference in the ID mapping: kind, then id. */
export function platformRefKey(kind: string, id: string): string {
  return compositeKey(kind, id);
}

/** A journal entry's key: its fixed-width position, so key order is commit order. */
export function journalKey(position: number): string {
  return encodeSeq(position);
}

/** Pagination cursors are positions (keys without their scope), opaque to clients. */
export function encodeCursor(position: string): string {
  return Buffer.from(position, "utf8").toString("base64url");
}

/** The position in a cursor made by `encodeCursor`, or undefined if it is not a valid one. */
export function decodeTimeCursor(cursor: string): string | undefined {
  const position = decodeBase64url(cursor);
  return position !== undefined && TIME_KEY.test(position) ? position : undefined;
}

export function decodeThreadCursor(cursor: string): string | undefined {
  const position = decodeBase64url(cursor);
  if (position === undefined) return undefined;
  const segments = position.split(THREAD_SEP);
  return segments.length <= 64 && segments.every((s) => TIME_KEY.test(s)) ? position : undefined;
}

function decodeBase64url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(text)) return undefined;
  return Buffer.from(text, "base64url").toString("utf8");
}

export const SUBLEVELS = {
  inbox: "inbox",
  inboxPending: "inbox-pending",
  inboxCompletedAt: "inbox-completed-at",
  outbox: "outbox",
  outboxFailures: "outbox-failures",
  outboxReceipts: "outbox-receipts",
  /** The queued read receipt of each (sender, room), which a newer one replaces. */
  outboxReceiptSlots: "outbox-receipt-slots",
  idMapRefs: "id-map-refs",
  idMapEvents: "id-map-events",
  idMapRooms: "id-map-rooms",
  roomLanes: "room-lanes",
  deadLetters: "dead-letters",
  meta: "meta",
  kv: "kv",
  matrixProfiles: "matrix-profiles",
  undecryptable: "undecryptable",
  encryptedMedia: "encrypted-media",
  accounts: "accounts",
  accountNameSkeletons: "account-name-skeletons",
  sessions: "sessions",
  sessionTokens: "session-tokens",
  rooms: "rooms",
  roomMembers: "room-members",
  memberRooms: "member-rooms",
  dms: "dms",
  messages: "messages",
  roomTimeline: "room-timeline",
  roomSeq: "room-seq",
  threadTimeline: "thread-timeline",
  threadSummaries: "thread-summaries",
  /** Tombstoned messages by room and sequence, so unread counts skip them without reading records. */
  roomDeleted: "room-deleted",
  readMarkers: "read-markers",
  blogs: "blogs",
  blogStats: "blog-stats",
  posts: "posts",
  postSlugs: "post-slugs",
  blogPosts: "blog-posts",
  blogPublished: "blog-published",
  /** Published posts of every blog, newest first: the instance's front page. */
  publishedPosts: "published-posts",
  comments: "comments",
  commentThreads: "comment-threads",
  commentStats: "comment-stats",
  reactions: "reactions",
  reactionKeysByPerson: "reaction-keys-by-person",
  reactionCounts: "reaction-counts",
  journal: "journal",
  journalCursors: "journal-cursors",
  journalRetries: "journal-retries",
  /** One nested sublevel per plugin (`plugins/<id>/data|jobs|due`). */
  plugins: "plugins",
} as const;

export const META_KEYS = {
  /** Set once an index added after its records existed has been built from them. */
  nameSkeletonsBuilt: "index-built:account-name-skeletons",
  reactionKeysByPersonBuilt: "index-built:reaction-keys-by-person",
  publishedPostsBuilt: "index-built:published-posts",
  inboxSeq: "inbox-seq",
  outboxSeq: "outbox-seq",
  laneSeq: "lane-seq",
  journalSeq: "journal-seq",
} as const;
