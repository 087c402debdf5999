import type { MessageKind } from "../../platform/chat/Room.js";

const MSGTYPES: Record<MessageKind, string> = { text: "m.text", notice: "m.notice", emote: "m.emote" };

/**
 * The Matrix content of a platform message (without relations: the outbox adds those from the
 * mapping): the Markdown source as `body`, the HTML already rendered under the Matrix allowlist as
 * `formatted_body`, and `m.mentions` naming the Matrix users the message mentions.
 */
export function messageToMatrix(message: { body: string; kind?: MessageKind }, matrixHtml: string, mentionedUserIds: readonly string[]): Record<string, unknown> {
  return {
    msgtype: MSGTYPES[message.kind ?? "text"],
    body: message.body,
    format: "org.matrix.custom.html",
    formatted_body: matrixHtml,
    "m.mentions": mentionedUserIds.length > 0 ? { user_ids: [...mentionedUserIds] } : {},
  };
}
