import { Tokenizer, type TokenizerObject } from "marked";

// marked's inline rules are quadratic on some inputs (long runs of emphasis delimiters, `a+_a+_…`):
// each inline rule sees at most this many characters, and emphasis scanning has a total budget.
// Past the budget, delimiters render literally. Real documents stay far below both.
const INLINE_WINDOW = 2048;
const EMPHASIS_BUDGET = 2_000_000;

/**
 * marked's tokenizer with raw HTML switched off (`<b>` stays the text "<b>") and its inline rules
 * bounded, so no input makes inline lexing quadratic. A fresh one per document: it carries a budget.
 */
export function boundedTokenizer(): TokenizerObject {
  const base = Tokenizer.prototype;
  let emphasisBudget = EMPHASIS_BUDGET;
  const cut = (src: string) => (src.length > INLINE_WINDOW ? src.slice(0, INLINE_WINDOW) : src);
  const spend = (src: string) => (emphasisBudget -= Math.min(src.length, INLINE_WINDOW)) >= 0;
  return {
    html: () => undefined,
    tag: () => undefined,
    emStrong(src, maskedSrc, prevChar) {
      return spend(src) ? base.emStrong.call(this, cut(src), cut(maskedSrc), prevChar) : undefined;
    },
    del(src, maskedSrc, prevChar) {
      return spend(src) ? base.del.call(this, cut(src), cut(maskedSrc), prevChar) : undefined;
    },
    escape(src) {
      return base.escape.call(this, cut(src));
    },
    link(src) {
      return base.link.call(this, cut(src));
    },
    reflink(src, links) {
      return base.reflink.call(this, cut(src), links);
    },
    codespan(src) {
      return base.codespan.call(this, cut(src));
    },
    br(src) {
      return base.br.call(this, cut(src));
    },
    autolink(src) {
      return base.autolink.call(this, cut(src));
    },
    url(src) {
      return base.url.call(this, cut(src));
    },
    inlineText(src) {
      return base.inlineText.call(this, cut(src));
    },
  };
}
