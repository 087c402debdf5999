import { MESSAGE_MAX_LENGTH } from "../../platform/chat/ChatService.js";
import type { MessageKind } from "../../platform/chat/Room.js";
import type { MatrixUserId } from "../../platform/ids.js";
import type { GhostAccounts } from "../../platform/ports/GhostAccounts.js";
import { isMxcUri, safeMediaSrc } from "../../platform/render/urlPolicy.js";
import { isEncryptedFile, type EncryptedFile } from "./encryptedFile.js";
import { htmlToMarkdown } from "./htmlToMarkdown.js";
import { escapeInline, linkDestination, plainTextToMarkdown } from "./markdownText.js";
import { parseRelation } from "./parseRelation.js";
import { stripReplyFallback } from "./stripReplyFallback.js";

/** What the platform stores of an incoming Matrix message: Markdown, never raw HTML. */
export type ImportedMessage = { body: string; kind: MessageKind } | { unsupported: string };

export interface ImportContext {
  /** The web URL Mirage serves an `mxc://` URI at, or undefined when it is not a valid media URI. */
  mediaUrl(mxc: string): string | undefined;
  /** The web URL Mirage serves an encrypted attachment at (decrypting it); without it, encrypted media is unsupported. */
  encryptedMediaUrl?(file: EncryptedFile): string | undefined;
  /** Tells a ghost's Matrix ID from other users', so a pill of a ghost becomes `@<account>`. */
  ghosts?: GhostAccounts;
  /** Longest Markdown the platform takes (default: the platform's message limit); longer is unsupported. */
  maxBodyChars?: number;
}

/** Longer `body` or `formatted_body` is not read at all (a Matrix event is at most 64 KiB). */
export const MAX_SOURCE_CHARS = 100_000;

const KINDS: Record<string, MessageKind> = { "m.text": "text", "m.notice": "notice", "m.emote": "emote" };
const MEDIA = new Set(["m.image", "m.file", "m.video", "m.audio"]);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * An `m.room.message` content as platform Markdown. Text kinds keep their kind and prefer
 * `formatted_body` (converted by allowlist, see `htmlToMarkdown`) over `body` (escaped so it reads
 * literally); a reply's fallback is stripped from both. Media kinds become a link to the media
 * through Mirage's media route, with the caption (spec v1.10) after it. Anything else, and
 * anything malformed or too long, is `{unsupported}` with a short reason that quotes no content.
 */
export function matrixToMessage(content: Record<string, unknown>, context: ImportContext): ImportedMessage {
  const relation = parseRelation(content);
  const isReply = relation.type === "reply" || (relation.type === "thread" && relation.replyTo !== undefined);
  return convert(content, context, isReply);
}

/**
 * An edit's `m.new_content` as platform Markdown, by the same rules as {@link matrixToMessage};
 * its own `m.relates_to` is ignored (spec: an edit does not change relations).
 */
export function matrixEditToMessage(newContent: unknown, context: ImportContext): ImportedMessage {
  if (!isObject(newContent)) return { unsupported: "edit without new content" };
  return convert(newContent, context, false);
}

function convert(content: Record<string, unknown>, context: ImportContext, isReply: boolean): ImportedMessage {
  const msgtype = content.msgtype;
  const body = content.body;
  if (typeof msgtype !== "string" || typeof body !== "string") return { unsupported: "not a message" };
  if (body.length > MAX_SOURCE_CHARS) return { unsupported: "too long" };
  const kind = KINDS[msgtype];
  let markdown: string | ImportedMessage;
  if (kind) markdown = textMarkdown(content, body, context, isReply);
  else if (MEDIA.has(msgtype)) markdown = mediaMarkdown(msgtype, content, body, context);
  else if (msgtype === "m.location") return { unsupported: "location" };
  else return { unsupported: `msgtype ${msgtype.slice(0, 40).replace(/[^\x21-\x7e]/g, "?")}` };
  if (typeof markdown !== "string") return markdown;
  if (markdown.trim() === "") return { unsupported: "empty message" };
  if (markdown.length > (context.maxBodyChars ?? MESSAGE_MAX_LENGTH)) return { unsupported: "too long" };
  return { body: markdown, kind: kind ?? "text" };
}

/** `formatted_body` when it is HTML and says something, otherwise `body`. */
function textMarkdown(content: Record<string, unknown>, body: string, context: ImportContext, isReply: boolean): string {
  const html = content.formatted_body;
  if (content.format === "org.matrix.custom.html" && typeof html === "string" && html.length <= MAX_SOURCE_CHARS) {
    const markdown = htmlToMarkdown(html, {
      mediaUrl: (mxc) => (isMxcUri(mxc) ? context.mediaUrl(mxc) : undefined),
      userHandle: (userId) => {
        const account = context.ghosts?.(userId as MatrixUserId);
        return account === undefined ? userId : `@${account}`;
      },
    });
    if (markdown !== "") return markdown;
  }
  return plainTextToMarkdown(isReply ? stripReplyFallback(body) : body);
}

function mediaMarkdown(msgtype: string, content: Record<string, unknown>, body: string, context: ImportContext): string | ImportedMessage {
  let url: string | undefined;
  if (typeof content.url === "string") url = isMxcUri(content.url) ? context.mediaUrl(content.url) : undefined;
  else if (content.file !== undefined) {
    if (!context.encryptedMediaUrl) return { unsupported: "encrypted media" };
    url = isEncryptedFile(content.file) ? context.encryptedMediaUrl(content.file) : undefined;
  }
  const safe = url === undefined ? undefined : safeMediaSrc(url);
  if (safe === undefined) return { unsupported: "media without a usable URL" };
  // Since v1.10 `body` is a caption when `filename` is present and differs from it.
  const filename = typeof content.filename === "string" && content.filename.trim() !== "" ? content.filename : body;
  const label = escapeInline(filename.replace(/\s+/g, " ").trim().slice(0, 200), { linkText: true }) || "file";
  const link = msgtype === "m.image" ? `![${label}](${linkDestination(safe)})` : `[${label}](${linkDestination(safe)})`;
  if (filename === body) return link;
  const caption = textMarkdown(content, body, context, false);
  return caption === "" ? link : `${link}\n\n${caption}`;
}
