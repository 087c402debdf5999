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

export const SUBLEVELS = {
  inbox: "inbox",
  inboxPending: "inbox-pending",
  inboxCompletedAt: "inbox-completed-at",
  outbox: "outbox",
  meta: "meta",
  kv: "kv",
  undecryptable: "undecryptable",
  accounts: "accounts",
  sessions: "sessions",
  sessionTokens: "session-tokens",
  rooms: "rooms",
  roomMembers: "room-members",
  memberRooms: "member-rooms",
  dms: "dms",
  messages: "messages",
  roomTimeline: "room-timeline",
  roomSeq: "room-seq",
} as const;

export const META_KEYS = {
  inboxSeq: "inbox-seq",
  outboxSeq: "outbox-seq",
} as const;
