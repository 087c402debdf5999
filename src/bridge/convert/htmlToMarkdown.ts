import { safeMediaSrc, safeUrl } from "../../platform/render/urlPolicy.js";
import { parseHtmlTree, textContent, type HtmlElement, type HtmlNode } from "./htmlTree.js";
import { escapeInline, escapeLineStart, HARD_BREAK, linkDestination as destination } from "./markdownText.js";
import { parseMatrixPermalink } from "./matrixPermalink.js";

export interface HtmlToMarkdownOptions {
  /** The Markdown handle a user pill becomes: `@alice` for a ghost, `@bob:example.org` otherwise. */
  userHandle(userId: string): string;
  /** Where Mirage serves an `mxc://` image, or undefined when it cannot. */
  mediaUrl(mxc: string): string | undefined;
}

// Quotes and lists nested deeper than this continue inside the innermost one: the platform's
// Markdown renderer gives up on lines with more than 16 container markers.
const MAX_CONTAINERS = 8;
const LINK_SCHEMES = ["https", "http", "mailto"];
const CODE_LANGUAGE = /^language-([A-Za-z0-9_+#.-]{1,40})$/;
const BLOCKS = new Set([
  "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "pre", "hr", "table", "thead", "tbody",
  "tfoot", "tr", "caption", "details", "summary", "section", "article", "header", "footer", "nav", "aside", "main",
  "figure", "figcaption", "dl", "dt", "dd", "address", "center", "body", "html",
]);

interface InlineState {
  strong: boolean;
  em: boolean;
  del: boolean;
  link: boolean;
  /** In a heading: line breaks become spaces. */
  oneLine: boolean;
}

const NO_STATE: InlineState = { strong: false, em: false, del: false, link: false, oneLine: false };

/**
 * A `formatted_body` as platform Markdown, by allowlist: paragraphs, line breaks, strong, emphasis,
 * strikethrough, code and code blocks (with their language), quotes, lists, safe links, headings,
 * rules and `mxc://` images (as links to Mirage's media route); user pills become handles, room
 * pills their text; every other element is reduced to its text, and all text is escaped so it
 * reads literally. No HTML ever reaches the output. Bounded: {@link parseHtmlTree}'s depth cap,
 * {@link MAX_CONTAINERS}, linear work otherwise.
 */
export function htmlToMarkdown(html: string, options: HtmlToMarkdownOptions): string {
  return new Converter(options).blocks(parseHtmlTree(html), 0).join("\n\n").trim();
}

class Converter {
  constructor(private readonly options: HtmlToMarkdownOptions) {}

  /** The Markdown blocks of `element`'s children; inline runs become paragraphs. */
  blocks(element: HtmlElement, containers: number): string[] {
    const out: string[] = [];
    let inline = "";
    const flush = () => {
      const paragraph = paragraphOf(inline);
      if (paragraph !== "") out.push(paragraph);
      inline = "";
    };
    for (const child of element.children) {
      if (typeof child === "string" || !BLOCKS.has(child.tag)) {
        inline += this.inline(child, NO_STATE);
        continue;
      }
      flush();
      out.push(...this.block(child, containers));
    }
    flush();
    return out;
  }

  private block(element: HtmlElement, containers: number): string[] {
    const tag = element.tag;
    if (/^h[1-6]$/.test(tag)) {
      const text = this.inlineChildren(element, { ...NO_STATE, oneLine: true }).trim();
      // A trailing `#` would be read as the heading's optional closing sequence.
      return text === "" ? [] : [`${"#".repeat(Number(tag[1]))} ${text.endsWith("#") ? `${text.slice(0, -1)}\\#` : text}`];
    }
    switch (tag) {
      case "hr":
        return ["---"];
      case "pre":
        return this.codeBlock(element);
      case "blockquote": {
        if (containers >= MAX_CONTAINERS) return this.blocks(element, containers);
        const inner = this.blocks(element, containers + 1).join("\n\n");
        return inner === "" ? [] : [prefixLines(inner, "> ", ">")];
      }
      case "ul":
      case "ol":
        return this.list(element, containers);
      default:
        return this.blocks(element, containers);
    }
  }

  private list(element: HtmlElement, containers: number): string[] {
    const items = element.children.filter((child) => typeof child !== "string" || child.trim() !== "");
    if (containers >= MAX_CONTAINERS) return items.flatMap((item) => (typeof item === "string" ? [] : this.blocks(item, containers)));
    const start = /^\d{1,9}$/.test(element.attrs.start ?? "") ? Number(element.attrs.start) : 1;
    const lines = items.map((item, index) => {
      const marker = element.tag === "ol" ? `${start + index}.` : "-";
      const inner = (typeof item === "string" ? [paragraphOf(this.inline(item, NO_STATE))] : this.blocks(item, containers + 1)).join("\n\n");
      if (inner === "") return marker;
      const [first, ...rest] = inner.split("\n");
      const indent = " ".repeat(marker.length + 1);
      return [`${marker} ${first}`, ...rest.map((line) => (line === "" ? "" : indent + line))].join("\n");
    });
    return lines.length === 0 ? [] : [lines.join("\n")];
  }

  private codeBlock(element: HtmlElement): string[] {
    const code = element.children.find((child): child is HtmlElement => typeof child !== "string" && child.tag === "code");
    const language = (code?.attrs.class ?? "").split(/\s+/).map((name) => CODE_LANGUAGE.exec(name)?.[1]).find((name) => name !== undefined) ?? "";
    const text = textContent(element).replace(/\r\n?/g, "\n").replace(/\n$/, "");
    if (text.trim() === "") return [];
    const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
    return [`${fence}${language}\n${text}\n${fence}`];
  }

  private inline(node: HtmlNode, state: InlineState): string {
    if (typeof node === "string") return escapeInline(collapseWhitespace(node), state.link ? { linkText: true } : { autolinks: true });
    switch (node.tag) {
      case "br":
        return state.oneLine || state.link ? " " : HARD_BREAK;
      case "strong":
      case "b":
        return this.wrap(node, "**", state.strong, { ...state, strong: true });
      case "em":
      case "i":
        return this.wrap(node, "*", state.em, { ...state, em: true });
      case "del":
      case "s":
      case "strike":
        return this.wrap(node, "~~", state.del, { ...state, del: true });
      case "code":
      case "pre":
        // marked misreads code spans with backtick runs inside link text: plain text there.
        return state.link ? escapeInline(collapseWhitespace(textContent(node)), { linkText: true }) : codeSpan(textContent(node));
      case "a":
        return this.link(node, state);
      case "img":
        return this.image(node);
      case "td":
      case "th":
        return `${this.inlineChildren(node, state)} `;
      default:
        // Blocks inside inline content (`<b><p>…</p></b>`) are flattened to their text.
        return BLOCKS.has(node.tag) ? ` ${this.inlineChildren(node, state)} ` : this.inlineChildren(node, state);
    }
  }

  private inlineChildren(element: HtmlElement, state: InlineState): string {
    let out = "";
    for (const child of element.children) out += this.inline(child, state);
    return out;
  }

  /**
   * `marker` around the content of each line (marked does not always pair delimiters across line
   * breaks), with surrounding whitespace moved outside (emphasis must touch text).
   */
  private wrap(element: HtmlElement, marker: string, already: boolean, state: InlineState): string {
    const inner = this.inlineChildren(element, state);
    return already ? inner : inner.split(HARD_BREAK).map((line) => wrapLine(line, marker)).join(HARD_BREAK);
  }

  private link(element: HtmlElement, state: InlineState): string {
    const href = element.attrs.href ?? "";
    const permalink = parseMatrixPermalink(href);
    if (permalink?.kind === "user") return escapeInline(this.options.userHandle(permalink.userId));
    const text = this.inlineChildren(element, { ...state, link: true }).trim();
    const url = permalink === undefined && !state.link ? safeUrl(href, LINK_SCHEMES) : undefined;
    if (url === undefined) return text;
    return `[${text === "" ? escapeInline(url, { linkText: true }) : text}](${destination(url)})`;
  }

  private image(element: HtmlElement): string {
    const alt = escapeInline(collapseWhitespace(element.attrs.alt ?? element.attrs.title ?? "").trim(), { linkText: true });
    const src = element.attrs.src ?? "";
    const url = src.startsWith("mxc://") ? this.options.mediaUrl(src) : undefined;
    const safe = url === undefined ? undefined : safeMediaSrc(url);
    return safe === undefined ? alt : `![${alt === "" ? "image" : alt}](${destination(safe)})`;
  }
}

/** Inline Markdown (lines separated by hard breaks) as paragraphs with each line's start escaped. */
function paragraphOf(inline: string): string {
  const paragraphs: string[][] = [[]];
  for (const raw of inline.split(HARD_BREAK)) {
    const line = raw.trim();
    if (line === "") {
      if (paragraphs.at(-1)!.length > 0) paragraphs.push([]);
    } else paragraphs.at(-1)!.push(escapeLineStart(line));
  }
  return paragraphs
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join(HARD_BREAK))
    .join("\n\n");
}

function wrapLine(line: string, marker: string): string {
  const core = line.trim();
  if (core === "") return line;
  // marked leaves `**` unpaired around `~~…*…*~~` (a star closer right before a tilde one) and
  // next to other delimiters; the underscore form pairs there (and flanks punctuation the same).
  if (marker[0] === "*" && /^[*~]|[*~]$|\*~/.test(core)) marker = marker.replace(/\*/g, "_");
  const lead = line.slice(0, line.length - line.trimStart().length);
  const trail = line.slice(line.trimEnd().length);
  return `${lead}${marker}${core}${marker}${trail}`;
}

function prefixLines(text: string, prefix: string, emptyPrefix: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? emptyPrefix : prefix + line))
    .join("\n");
}

function collapseWhitespace(text: string): string {
  return text.replace(/[ \t\n\r\f]+/g, " ");
}

function longestRun(text: string, ch: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/** Inline code, fenced with more backticks than any run inside it. */
function codeSpan(raw: string): string {
  const text = collapseWhitespace(raw);
  if (text.trim() === "") return text;
  const fence = "`".repeat(longestRun(text, "`") + 1);
  const pad = text.startsWith("`") || text.endsWith("`") || (text.startsWith(" ") && text.endsWith(" ")) ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}
