/**
 * Matrix shapes of relations, from event IDs already resolved through the ID mapping
 * (undefined: the target has no Matrix event, e.g. its own send was dead-lettered).
 * A reply or thread whose target is missing degrades (plain message; thread fallback to the
 * root); an edit or reaction without its target cannot be expressed and is refused.
 */
export type ResolvedRelation =
  | { type: "reply"; to?: string }
  | { type: "thread"; root?: string; latest?: string; replyTo?: string }
  | { type: "edit"; target?: string }
  | { type: "reaction"; target?: string; key: string };

export type RelatedEvent = { eventType: string; content: Record<string, unknown> } | { missing: "edit target" | "reaction target" };

type Content = Record<string, unknown>;

/** `content` with `relation` applied, or which required target is missing. */
export function withRelation(eventType: string, content: Content, relation: ResolvedRelation): RelatedEvent {
  switch (relation.type) {
    case "reply":
      return { eventType, content: relation.to === undefined ? withoutRelation(content) : replyContent(content, relation.to) };
    case "thread":
      return { eventType, content: relation.root === undefined ? withoutRelation(content) : threadContent(content, relation.root, relation.latest, relation.replyTo) };
    case "edit":
      return relation.target === undefined ? { missing: "edit target" } : { eventType, content: editContent(content, relation.target) };
    case "reaction":
      return relation.target === undefined ? { missing: "reaction target" } : { eventType: "m.reaction", content: reactionContent(relation.target, relation.key) };
  }
}

/** A reply in the main timeline: `m.in_reply_to` only (no `rel_type`, no quoted fallback). */
export function replyContent(content: Content, eventId: string): Content {
  return { ...withoutRelation(content), "m.relates_to": { "m.in_reply_to": { event_id: eventId } } };
}

/**
 * A thread event: a plain thread message falls back (for clients without threads) to a reply
 * to the latest event in the thread, marked `is_falling_back`; an in-thread reply to a
 * specific event points at it, not falling back.
 */
export function threadContent(content: Content, rootId: string, latestId?: string, replyToId?: string): Content {
  const relatesTo =
    replyToId !== undefined
      ? { rel_type: "m.thread", event_id: rootId, is_falling_back: false, "m.in_reply_to": { event_id: replyToId } }
      : { rel_type: "m.thread", event_id: rootId, is_falling_back: true, "m.in_reply_to": { event_id: latestId ?? rootId } };
  return { ...withoutRelation(content), "m.relates_to": relatesTo };
}

/**
 * An edit: the new content in `m.new_content` (without relations: an edited thread event
 * stays in its thread), a `* `-prefixed fallback body for clients without edits.
 */
export function editContent(content: Content, targetId: string): Content {
  const newContent = withoutRelation(content);
  const fallback: Content = { ...newContent };
  if (typeof newContent.body === "string") fallback.body = `* ${newContent.body}`;
  if (typeof newContent.formatted_body === "string") fallback.formatted_body = `* ${newContent.formatted_body}`;
  delete fallback["m.mentions"];
  return { ...fallback, "m.new_content": newContent, "m.relates_to": { rel_type: "m.replace", event_id: targetId } };
}

/** A reaction: an `m.annotation` of the target with the key. */
export function reactionContent(targetId: string, key: string): Content {
  return { "m.relates_to": { rel_type: "m.annotation", event_id: targetId, key } };
}

/** The body of a redaction; room versions from 11 on also carry `redacts` in the content. */
export function redactionContent(eventId: string, roomVersion: string, reason?: string): Content {
  return { ...(reason === undefined ? {} : { reason }), ...(redactsInContent(roomVersion) ? { redacts: eventId } : {}) };
}

/** Room versions 11 and later (MSC2174) move `redacts` into the content. */
export function redactsInContent(roomVersion: string): boolean {
  return /^[0-9]+$/.test(roomVersion) && Number(roomVersion) >= 11;
}

function withoutRelation(content: Content): Content {
  const { "m.relates_to": _dropped, ...rest } = content;
  return rest;
}
