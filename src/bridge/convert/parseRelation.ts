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

const EVENT_ID = /^\$[^\s]{1,254}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const eventId = (v: unknown): string | undefined => (typeof v === "string" && EVENT_ID.test(v) ? v : undefined);

export function parseRelation(content: Record<string, unknown>): InboundRelation {
  const rel = content["m.relates_to"];
  if (rel === undefined) return { type: "none" };
  if (!isObject(rel)) return { type: "invalid", why: "m.relates_to is not an object" };
  const inReplyTo = isObject(rel["m.in_reply_to"]) ? eventId(rel["m.in_reply_to"].event_id) : undefined;
  switch (rel.rel_type) {
    case undefined:
      return inReplyTo ? { type: "reply", to: inReplyTo } : { type: "none" };
    case "m.thread": {
      const root = eventId(rel.event_id);
      if (!root) return { type: "invalid", why: "thread without a root" };
      return rel.is_falling_back !== true && inReplyTo && inReplyTo !== root ? { type: "thread", root, replyTo: inReplyTo } : { type: "thread", root };
    }
    case "m.replace": {
      const target = eventId(rel.event_id);
      const newContent = content["m.new_content"];
      if (!target || !isObject(newContent)) return { type: "invalid", why: "edit without a target or new content" };
      return { type: "edit", target, newContent };
    }
    case "m.annotation": {
      const target = eventId(rel.event_id);
      if (!target || typeof rel.key !== "string" || rel.key === "") return { type: "invalid", why: "annotation without a target or key" };
      return { type: "annotation", target, key: rel.key };
    }
    default:
      return inReplyTo ? { type: "reply", to: inReplyTo } : { type: "none" };
  }
}
