import { Tokenizer, type TokenizerObject } from "marked";

// marked's inline rules are quadratic on some inputs (long runs of emphasis delimiters, `a+_a+_…`):
// each inline rule sees at most this many characters, and emphasis scanning has a total budget.
// Past the budget, delimiters render literally. Real documents stay far below both.
const INLINE_WINDOW = 2048;
const EMPHASIS_BUDGET = 2_000_000;
// Its blockquote and list rules re-split everything after them into lines, and blockquotes re-copy
// their remaining lines per lazy line: they see at most this many whole lines and characters, so a
// longer quote or list continues as a second one (an ordered list keeps its numbering).
const BLOCK_WINDOW_CHARS = 16_384;
const BLOCK_WINDOW_LINES = 100;

/**
 * marked's tokenizer with raw HTML switched off (`<b>` stays the text "<b>") and the rules that are
 * quadratic on hostile input bounded. A fresh one per document: it carries a budget.
 */
export function boundedTokenizer(): TokenizerObject {
  const base = Tokenizer.prototype;
  let emphasisBudget = EMPHASIS_BUDGET;
  const cut = (src: string) => (src.length > INLINE_WINDOW ? src.slice(0, INLINE_WINDOW) : src);
  const spend = (src: string) => (emphasisBudget -= Math.min(src.length, INLINE_WINDOW)) >= 0;
  const cutLines = (src: string) => {
    let end = 0;
    for (let lines = 0; lines < BLOCK_WINDOW_LINES; lines++) {
      const newline = src.indexOf("\n", end);
      const lineEnd = newline === -1 ? src.length : newline + 1;
      if (lineEnd > BLOCK_WINDOW_CHARS) return src.slice(0, end > 0 ? end : BLOCK_WINDOW_CHARS);
      if (newline === -1) return src;
      end = lineEnd;
    }
    return src.slice(0, end);
  };
  return {
    html: () => undefined,
    tag: () => undefined,
    blockquote(src) {
      return base.blockquote.call(this, cutLines(src));
    },
    list(src) {
      return base.list.call(this, cutLines(src));
    },
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
