import { Parser } from "htmlparser2";
import { DISCARD_WITH_CONTENT_TAGS } from "../../platform/render/matrixHtmlAllowlist.js";

/** An element of a parsed `formatted_body`: tag and attribute names lowercase, entities decoded. */
export interface HtmlElement {
  tag: string;
  attrs: Readonly<Record<string, string>>;
  children: HtmlNode[];
}
export type HtmlNode = HtmlElement | string;

/** The spec caps `formatted_body` nesting at 100; deeper elements are kept only as their text. */
export const MAX_ELEMENT_DEPTH = 100;

// Dropped with everything inside: the reply fallback (spec v1.13: strip it) and elements whose
// content is not text meant for the reader.
const DISCARD = new Set([...DISCARD_WITH_CONTENT_TAGS, "mx-reply", "head"]);

/**
 * Parses HTML with htmlparser2's streaming parser into a tree at most {@link MAX_ELEMENT_DEPTH}
 * elements deep. Iterative (no recursion per nesting level), linear in the input.
 */
export function parseHtmlTree(html: string): HtmlElement {
  const root: HtmlElement = { tag: "#root", attrs: {}, children: [] };
  // One entry per open tag: the element it created, or null when it was discarded or too deep.
  const open: (HtmlElement | null)[] = [];
  const path: HtmlElement[] = [root];
  let discarding = 0;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (discarding > 0 || DISCARD.has(name)) {
          if (DISCARD.has(name)) discarding++;
          open.push(null);
          return;
        }
        if (path.length > MAX_ELEMENT_DEPTH) {
          open.push(null);
          return;
        }
        const element: HtmlElement = { tag: name, attrs: attribs, children: [] };
        path.at(-1)!.children.push(element);
        path.push(element);
        open.push(element);
      },
      onclosetag(name) {
        const element = open.pop();
        if (element === undefined) return;
        if (element === null) {
          if (DISCARD.has(name) && discarding > 0) discarding--;
          return;
        }
        path.pop();
      },
      ontext(text) {
        if (discarding > 0) return;
        const children = path.at(-1)!.children;
        const last = children.length - 1;
        if (typeof children[last] === "string") children[last] = children[last] + text;
        else children.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return root;
}

/** The text inside `node` (`<br>` as a newline), for code. */
export function textContent(node: HtmlNode): string {
  if (typeof node === "string") return node;
  if (node.tag === "br") return "\n";
  let text = "";
  for (const child of node.children) text += textContent(child);
  return text;
}
