/**
 * What an incoming event's `m.relates_to` means, read defensively (content from other servers
 * may be anything): event IDs are checked for shape, anything else is `none` or `invalid`.
 */
export type InboundRelation =
  | { type: "none" }
  | { type: "reply"; to: string }
  /** In thread `root`; `replyTo` only for an in-thread reply to a specific event (not a fallback). */
  | { type: "thread"; root: string; replyTo?: string }
  /** `newContent` is `m.new_content`, an object. */
  | { type: "edit"; target: string; newContent: Record<string, unknown> }
  | { type: "annotation"; target: string; key: string }
  | { type: "invalid"; why: string };

export interface ParseRelationOptions {
  /** The event's own ID: a relation to itself is invalid. */
  eventId?: string;
}

// Event IDs are opaque, at most 255 bytes (spec "Event IDs"): `$` and printable ASCII, no spaces.
const EVENT_ID = /^\$[!-~]{1,254}$/;
/** Annotation keys longer than this (in code points) are refused; real keys are an emoji or a short word. */
export const MAX_ANNOTATION_KEY_CHARS = 255;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const eventId = (v: unknown): string | undefined => (typeof v === "string" && EVENT_ID.test(v) ? v : undefined);

/**
 * Reads `content["m.relates_to"]` (spec v1.4+ shapes): a reply (`m.in_reply_to` without a known
 * `rel_type`), a thread (`m.thread`; `is_falling_back: false` or absent with an `m.in_reply_to`
 * other than the root makes it an in-thread reply to that event; any other `is_falling_back`
 * value is a fallback), an edit (`m.replace` with an object `m.new_content`) or an annotation
 * (`m.annotation` with a non-empty key of at most {@link MAX_ANNOTATION_KEY_CHARS}). Malformed
 * targets, and relations to the event itself, are `invalid`; never throws.
 */
export function parseRelation(content: Record<string, unknown>, options: ParseRelationOptions = {}): InboundRelation {
  if (!isObject(content)) return { type: "invalid", why: "content is not an object" };
  const rel = content["m.relates_to"];
  if (rel === undefined) return { type: "none" };
  if (!isObject(rel)) return { type: "invalid", why: "m.relates_to is not an object" };
  const relation = read(rel, content);
  const self = options.eventId;
  if (self !== undefined && pointsAt(relation, self)) return { type: "invalid", why: "relation to itself" };
  return relation;
}

function read(rel: Record<string, unknown>, content: Record<string, unknown>): InboundRelation {
  const inReplyTo = isObject(rel["m.in_reply_to"]) ? eventId(rel["m.in_reply_to"].event_id) : undefined;
  switch (rel.rel_type) {
    case "m.thread": {
      const root = eventId(rel.event_id);
      if (!root) return { type: "invalid", why: "thread without a root" };
      const fallingBack = rel.is_falling_back !== undefined && rel.is_falling_back !== false;
      return !fallingBack && inReplyTo && inReplyTo !== root ? { type: "thread", root, replyTo: inReplyTo } : { type: "thread", root };
    }
    case "m.replace": {
      const target = eventId(rel.event_id);
      const newContent = content["m.new_content"];
      if (!target || !isObject(newContent)) return { type: "invalid", why: "edit without a target or new content" };
      return { type: "edit", target, newContent };
    }
    case "m.annotation": {
      const target = eventId(rel.event_id);
      if (!target || !validKey(rel.key)) return { type: "invalid", why: "annotation without a target or a valid key" };
      return { type: "annotation", target, key: rel.key };
    }
    default:
      // No or an unknown `rel_type`: only a rich reply is understood.
      return inReplyTo ? { type: "reply", to: inReplyTo } : { type: "none" };
  }
}

function validKey(key: unknown): key is string {
  if (typeof key !== "string" || key.trim() === "") return false;
  // Two UTF-16 units per code point at most: a longer string is over the limit without counting.
  if (key.length > MAX_ANNOTATION_KEY_CHARS * 2) return false;
  let count = 0;
  for (const _ of key) count++;
  return count <= MAX_ANNOTATION_KEY_CHARS;
}

function pointsAt(relation: InboundRelation, id: string): boolean {
  switch (relation.type) {
    case "reply":
      return relation.to === id;
    case "thread":
      return relation.root === id || relation.replyTo === id;
    case "edit":
    case "annotation":
      return relation.target === id;
    default:
      return false;
  }
}
