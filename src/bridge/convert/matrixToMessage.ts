import type { MessageKind } from "../../platform/chat/Room.js";

/** What the platform stores of an incoming Matrix message: Markdown, never raw HTML. */
export type ImportedMessage = { body: string; kind: MessageKind } | { unsupported: string };

export interface ImportContext {
  /** The web URL Mirage serves an `mxc://` URI at, or undefined when it is not a valid media URI. */
  mediaUrl(mxc: string): string | undefined;
}

const KINDS: Record<string, MessageKind> = { "m.text": "text", "m.notice": "notice", "m.emote": "emote" };

/**
 * An `m.room.message` content as platform Markdown. Text kinds keep their kind; media kinds
 * become a link to the media through Mirage's media route.
 */
export function matrixToMessage(content: Record<string, unknown>, context: ImportContext): ImportedMessage {
  const msgtype = content.msgtype;
  const body = typeof content.body === "string" ? content.body : undefined;
  if (typeof msgtype !== "string" || body === undefined) return { unsupported: "not a message" };
  const kind = KINDS[msgtype];
  if (kind) return body.trim() === "" ? { unsupported: "empty message" } : { body, kind };
  if (["m.image", "m.file", "m.video", "m.audio"].includes(msgtype)) {
    const url = typeof content.url === "string" ? context.mediaUrl(content.url) : undefined;
    if (!url) return { unsupported: "media without a usable URL" };
    const label = body.replace(/[[\]\\]/g, "").trim() || "file";
    return { body: msgtype === "m.image" ? `![${label}](${url})` : `[${label}](${url})`, kind: "text" };
  }
  return { unsupported: `msgtype ${msgtype.slice(0, 40)}` };
}
