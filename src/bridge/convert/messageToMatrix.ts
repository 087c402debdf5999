import type { MessageKind } from "../../platform/chat/Room.js";

const MSGTYPES: Record<MessageKind, string> = { text: "m.text", notice: "m.notice", emote: "m.emote" };

export interface MatrixContentOptions {
  /** Whether the message mentions the whole room (`@room`, when the sender may: `m.mentions.room`). */
  room?: boolean;
}

/**
 * The Matrix content of a platform message (without relations: the outbox adds those from the
 * mapping): the Markdown source as `body`, the HTML already rendered under the Matrix allowlist as
 * `formatted_body`, and `m.mentions` naming the Matrix users the message mentions (each once).
 * Mentions come from `findMentions(body)`; `mentionTargets` gives the pills for `pillifyMentions`
 * (applied to `matrixHtml` before this) and the user IDs for here.
 */
export function messageToMatrix(
  message: { body: string; kind?: MessageKind },
  matrixHtml: string,
  mentionedUserIds: readonly string[],
  options: MatrixContentOptions = {},
): Record<string, unknown> {
  const mentions: Record<string, unknown> = {};
  if (mentionedUserIds.length > 0) mentions.user_ids = [...new Set(mentionedUserIds)];
  if (options.room === true) mentions.room = true;
  return {
    msgtype: MSGTYPES[message.kind ?? "text"],
    body: message.body,
    format: "org.matrix.custom.html",
    formatted_body: matrixHtml,
    "m.mentions": mentions,
  };
}
