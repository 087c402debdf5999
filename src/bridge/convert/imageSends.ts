import { Marked, type Token } from "marked";
import type { OutboxRelation, SendImageOperation } from "../../platform/outbox/outboxOperationSchema.js";
import { boundedTokenizer } from "../../platform/render/boundedTokenizer.js";
import { exceedsMarkedLimits } from "../../platform/render/exceedsMarkedLimits.js";

/** Longer Markdown is not searched (the platform's own limits are far below). */
const MAX_MARKDOWN_CHARS = 100_000;
const MAX_URL_CHARS = 2048;
const MAX_BODY_CHARS = 1000;
/** A bare link counts as an image when its path ends so. */
const IMAGE_PATH = /\.(png|jpe?g|gif|webp)$/i;
// Tokens whose text is code or markup: an image written there is not shown as one.
const SKIPPED = new Set(["code", "codespan", "html", "escape"]);

/** An image a text shows by URL, and the `body` its `m.image` gets. */
export interface ImageByUrl {
  url: string;
  body: string;
}

/** Who sends the images and where: the text's sender, room and relation. */
export interface ImageSendTarget {
  sender: string;
  room: SendImageOperation["room"];
  relation?: OutboxRelation;
}

/**
 * The images a Markdown text shows by URL, in document order, each URL once, at most `max`: every
 * `![alt](http(s)://…)` (body: the alt text, else the file name) and every bare link whose path
 * ends in .png, .jpg, .jpeg, .gif or .webp (body: the file name). Not in code spans or blocks.
 * Whether a URL may be fetched is not decided here (see `fetchPublicImage`).
 */
export function imagesByUrl(markdown: string, max: number): ImageByUrl[] {
  if (max <= 0 || markdown.length > MAX_MARKDOWN_CHARS || !/https?:/i.test(markdown)) return [];
  const text = markdown.replace(/\r\n?/g, "\n");
  if (exceedsMarkedLimits(text)) return [];
  let tokens: Token[];
  try {
    tokens = new Marked({ async: false, gfm: true, tokenizer: boundedTokenizer(text.length) }).lexer(text);
  } catch {
    return [];
  }
  const found = new Map<string, ImageByUrl>();
  // Depth-first, in document order, without recursion.
  const stack: Token[] = [...tokens].reverse();
  while (stack.length > 0 && found.size < max) {
    const token = stack.pop()!;
    if (SKIPPED.has(token.type)) continue;
    const image = imageOf(token);
    if (image && !found.has(image.url)) found.set(image.url, image);
    const children = childTokens(token);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return [...found.values()];
}

/**
 * The `sendImage` operations that follow a text into Matrix: one per image (see `imagesByUrl`),
 * from the text's sender, in its room and relation (a thread reply stays in the thread).
 */
export function imageSends(markdown: string, target: ImageSendTarget, max: number): SendImageOperation[] {
  return imagesByUrl(markdown, max).map(({ url, body }) => ({
    op: "sendImage",
    sender: target.sender,
    room: target.room,
    url,
    body,
    ...(target.relation ? { relation: target.relation } : {}),
  }));
}

function imageOf(token: Token): ImageByUrl | undefined {
  if (token.type === "image") {
    const url = fetchableUrl(token.href);
    if (url === undefined) return undefined;
    const alt = token.text.trim();
    return { url: url.href, body: (alt === "" ? fileName(url) : alt).slice(0, MAX_BODY_CHARS) };
  }
  // A bare URL (GFM autolink or `<…>`): its text is the URL itself.
  if (token.type === "link" && (token.text === token.href || token.raw === token.href || token.raw === `<${token.href}>`)) {
    const url = fetchableUrl(token.href);
    if (url === undefined || !IMAGE_PATH.test(url.pathname)) return undefined;
    return { url: url.href, body: fileName(url).slice(0, MAX_BODY_CHARS) };
  }
  return undefined;
}

function fetchableUrl(raw: string): URL | undefined {
  if (raw.length > MAX_URL_CHARS) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.username !== "" || url.password !== "" || url.href.length > MAX_URL_CHARS) return undefined;
  return url;
}

function fileName(url: URL): string {
  const last = url.pathname.split("/").pop() ?? "";
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  return name.trim() === "" ? "image" : name;
}

function childTokens(token: Token): Token[] {
  switch (token.type) {
    case "list":
      return token.items;
    case "table":
      return [...token.header, ...token.rows.flat()].flatMap((cell: { tokens: Token[] }) => cell.tokens);
    case "image":
    case "link":
      // An image's alt text holds no images; a link's text may (a linked image).
      return token.type === "link" ? (token.tokens ?? []) : [];
    default:
      return "tokens" in token && Array.isArray(token.tokens) ? token.tokens : [];
  }
}
