import { stripReplyFallback } from "./stripReplyFallback.js";

/**
 * The text of a message as a command: its plain `body` (the Markdown as typed, which Element keeps
 * there while it sends HTML in `formatted_body`), without the reply fallback an older client quotes
 * before it when the message is a reply. Undefined for anything that cannot be a command: not an
 * `m.text` message, or an edit (an edit never runs a command again).
 */
export function commandBody(type: string, content: Record<string, unknown>): string | undefined {
  if (type !== "m.room.message" || content.msgtype !== "m.text" || typeof content.body !== "string") return undefined;
  const relation = content["m.relates_to"];
  const rel = typeof relation === "object" && relation !== null ? (relation as Record<string, unknown>) : undefined;
  if (rel?.rel_type === "m.replace") return undefined;
  const inReplyTo = rel?.["m.in_reply_to"];
  return typeof inReplyTo === "object" && inReplyTo !== null ? stripReplyFallback(content.body) : content.body;
}
