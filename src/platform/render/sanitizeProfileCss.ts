import { assertInputSize, DEFAULT_MAX_INPUT_CHARS } from "./assertInputSize.js";
import { parseRuleList, parseStylesheet, type ComponentValue } from "./css/parseCss.js";
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
 * A profile owner's stylesheet → a stylesheet that only styles the profile: style rules whose
 * selectors fit a strict grammar, each prefixed with `scope`, and `@media` blocks of such rules.
 * Declarations are kept only for allowlisted properties (see `css/cssProperties.ts`) whose every
 * value token is allowed; the only URLs are `url(https://…)` background images. Every other
 * at-rule (`@import`, `@font-face`, …), comment, escape trick and unknown token is dropped, and
 * the output is rebuilt from checked tokens, so it holds no `<`, backslash or raw input and is
 * safe as the content of a `<style>` element. Deterministic; throws only `INVALID_INPUT` for
 * input over the size limit.
 */
export function sanitizeProfileCss(css: string, options: ProfileCssOptions = {}): string {
  const scope = options.scope ?? DEFAULT_PROFILE_SCOPE;
  if (!SCOPE.test(scope)) throw new TypeError(`invalid profile CSS scope ${JSON.stringify(scope)}`);
  assertInputSize(css, options.maxInputChars ?? DEFAULT_MAX_INPUT_CHARS, "CSS");
  const out: string[] = [];
  for (const rule of parseStylesheet(css)) {
    if (rule.type === "qualified") {
      const text = styleRule(rule.prelude, rule.block, scope);
      if (text !== undefined) out.push(text);
    } else if (rule.name === "media" && rule.block !== undefined) {
      const query = sanitizeMediaQuery(rule.prelude);
      const inner = parseRuleList(rule.block).flatMap((r) => (r.type === "qualified" ? [styleRule(r.prelude, r.block, scope)] : []));
      const rules = inner.filter((r): r is string => r !== undefined);
      if (query !== undefined && rules.length > 0) out.push(`@media ${query}{${rules.join("")}}`);
    }
  }
  const result = out.join("\n");
  // Cannot happen by construction; if it ever did, nothing is safer than something.
  return /[<\\]/.test(result) ? "" : result;
}

function styleRule(prelude: readonly ComponentValue[], block: readonly ComponentValue[], scope: string): string | undefined {
  const selectors = scopeSelectorList(prelude, scope);
  if (selectors === undefined) return undefined;
  const declarations = sanitizeDeclarations(block);
  return declarations.length === 0 ? undefined : `${selectors}{${declarations.join(";")}}`;
}
