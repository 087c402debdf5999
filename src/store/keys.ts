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
} as const;

export const META_KEYS = {
  inboxSeq: "inbox-seq",
  outboxSeq: "outbox-seq",
} as const;
