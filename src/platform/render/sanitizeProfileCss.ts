import { ident, parse, toPlainObject, type CssNode, type CssNodePlain } from "css-tree";
import { assertInputSize, DEFAULT_MAX_INPUT_CHARS } from "./assertInputSize.js";
import { childrenOf, parseCss } from "./css/parseCss.js";
import { sanitizeDeclarations } from "./css/sanitizeDeclarations.js";
import { sanitizeMediaQuery } from "./css/sanitizeMediaQuery.js";
import { scopeSelectorList } from "./css/scopeSelectorList.js";

/** The element around a profile's custom HTML; every rule of the owner's CSS is scoped to it. */
export const DEFAULT_PROFILE_SCOPE = ".mirage-profile";

export interface ProfileCssOptions {
  /** Selector of the containing element, e.g. `.mirage-profile` (simple selectors and spaces only). */
  scope?: string;
  /** Longest accepted source, in characters; longer input is an `INVALID_INPUT` error. */
  maxInputChars?: number;
}

const SCOPE = /^[.#]?[A-Za-z][A-Za-z0-9_-]*(?:[.#][A-Za-z][A-Za-z0-9_-]*)*(?: [.#]?[A-Za-z][A-Za-z0-9_-]*(?:[.#][A-Za-z][A-Za-z0-9_-]*)*)*$/;

/**
 * The rule that keeps a profile in its box: nothing it contains paints outside the container
 * (`contain: paint`, `overflow: hidden`), and the container is the containing block of anything
 * positioned inside it. Always the first rule of the sanitized CSS; a page that shows profile HTML
 * without the owner's CSS must still apply it to the container.
 */
export function profileContainerCss(scope: string = DEFAULT_PROFILE_SCOPE): string {
  return `${scope}{contain:paint;overflow:hidden;position:relative}`;
}

/**
 * A profile owner's stylesheet → a stylesheet that only styles the profile: the container rule
 * (`profileContainerCss`), then style rules whose selectors fit a strict grammar, each prefixed
 * with `scope` and with ids and classes renamed as in the profile HTML (`#x` → `#mp-x`), and
 * `@media` blocks of such rules. The source is parsed by css-tree (CSS Syntax Level 3, as browsers
 * parse it); a source nesting blocks deeper than `MAX_CSS_NESTING`, or with more than
 * `MAX_PARSE_ERRORS` parse errors, keeps no rule. Declarations are kept only for allowlisted
 * properties (see `css/cssProperties.ts`) whose every value component is allowed, with lengths
 * bounded; the only URLs are `url(https://…)` background images. Every other at-rule (`@import`,
 * `@font-face`, …), comment and unknown node is dropped, and the output is generated from nodes
 * rebuilt from checked values, so it holds no `<`, backslash or raw input and is safe as the
 * content of a `<style>` element. Deterministic; throws only `INVALID_INPUT` for
 * input over the size limit.
 */
export function sanitizeProfileCss(css: string, options: ProfileCssOptions = {}): string {
  const scope = options.scope ?? DEFAULT_PROFILE_SCOPE;
  if (!SCOPE.test(scope)) throw new TypeError(`invalid profile CSS scope ${JSON.stringify(scope)}`);
  assertInputSize(css, options.maxInputChars ?? DEFAULT_MAX_INPUT_CHARS, "CSS");
  const scopeParts = scopeSelector(scope);
  const container = profileContainerCss(scope);
  const out: string[] = [container];
  for (const node of parseCss(css, "stylesheet")) {
    if (node.type === "Rule") {
      const text = styleRule(node.prelude, node.block, scopeParts);
      if (text !== undefined) out.push(text);
    } else if (node.type === "Atrule" && ident.decode(node.name).toLowerCase() === "media" && node.block !== null) {
      const query = sanitizeMediaQuery(node.prelude);
      const rules = node.block.children.toArray().flatMap((r) => (r.type === "Rule" ? [styleRule(r.prelude, r.block, scopeParts)] : []));
      const kept = rules.filter((r): r is string => r !== undefined);
      if (query !== undefined && kept.length > 0) out.push(`@media ${query}{${kept.join("")}}`);
    }
  }
  const result = out.join("\n");
  // Cannot happen by construction; if it ever did, nothing is safer than something.
  return /[<\\]/.test(result) ? container : result;
}

function styleRule(prelude: CssNode, block: CssNode, scope: readonly CssNodePlain[]): string | undefined {
  const selectors = scopeSelectorList(prelude, scope);
  if (selectors === undefined) return undefined;
  const declarations = sanitizeDeclarations(childrenOf(block));
  return declarations.length === 0 ? undefined : `${selectors}{${declarations.join(";")}}`;
}

/** The scope's simple selectors and descendant combinators, as selector nodes to put in front. */
function scopeSelector(scope: string): CssNodePlain[] {
  const parsed = toPlainObject(parse(scope, { context: "selector", positions: false }));
  return "children" in parsed && Array.isArray(parsed.children) ? parsed.children : [];
}
