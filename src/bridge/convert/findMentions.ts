import { Marked, type Token } from "marked";
import { boundedTokenizer } from "../../platform/render/boundedTokenizer.js";
import { exceedsMarkedLimits } from "../../platform/render/exceedsMarkedLimits.js";
import { scanMentions } from "./scanMentions.js";

/** Longer Markdown is not searched (the platform's own limits are far below). */
const MAX_MARKDOWN_CHARS = 100_000;
// Tokens whose text is code, a link or markup, never a mention.
const SKIPPED = new Set(["code", "codespan", "link", "image", "html", "escape"]);

/**
 * The people a platform message mentions (see `scanMentions` for the syntax), in order of first
 * mention, without repeats: account names (`alice`), Matrix user IDs (`@bob:example.org`) and
 * `@room`. Only in text as the platform renders it: not in code spans or blocks, not in links, not
 * when the `@` is backslash-escaped. Input the platform renders as plain text is searched as such.
 */
export function findMentions(markdown: string): string[] {
  // Most messages mention no one: skip the lexer (as costly as rendering) for them.
  if (markdown.length > MAX_MARKDOWN_CHARS || !markdown.includes("@")) return [];
  const text = markdown.replace(/\r\n?/g, "\n");
  const handles = new Set<string>();
  const collect = (chunk: string) => scanMentions(chunk, (_start, _end, handle) => handles.add(handle));
  if (exceedsMarkedLimits(text)) {
    collect(text);
    return [...handles];
  }
  let tokens: Token[];
  try {
    tokens = new Marked({ async: false, gfm: true, tokenizer: boundedTokenizer(text.length) }).lexer(text);
  } catch {
    collect(text);
    return [...handles];
  }
  // Depth-first, in document order, without recursion.
  const stack: Token[] = [...tokens].reverse();
  while (stack.length > 0) {
    const token = stack.pop()!;
    if (SKIPPED.has(token.type)) continue;
    const children = childTokens(token);
    if (children.length > 0) for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    else if (token.type === "text") collect(token.text);
  }
  return [...handles];
}

function childTokens(token: Token): Token[] {
  switch (token.type) {
    case "list":
      return token.items;
    case "table":
      return [...token.header, ...token.rows.flat()].flatMap((cell: { tokens: Token[] }) => cell.tokens);
    default:
      return "tokens" in token && Array.isArray(token.tokens) ? token.tokens : [];
  }
}
