import { Tokenizer, type Rules, type TokenizerObject } from "marked";
import { boundEmailLookahead } from "./boundEmailLookahead.js";
import { DelimiterWindows } from "./DelimiterWindows.js";

// Its blockquote and list rules re-split everything after them into lines, and blockquotes re-copy
// their remaining lines per lazy line: they see at most this many whole lines and characters, so a
// longer quote or list continues as a second one (an ordered list keeps its numbering).
const BLOCK_WINDOW_CHARS = 16_384;
const BLOCK_WINDOW_LINES = 100;
const BLOCKQUOTE_START = /^ {0,3}>/;
const LIST_START = /^ {0,3}(?:[*+-]|\d{1,9}[.)])/;
// GFM autolinks start with one of these, or are an address whose local part ends within 64 characters.
const URL_START = /^(?:mailto:|xmpp:|https?:\/\/|ftp:\/\/|www\.)/i;

const boundedRules = new WeakMap<Rules, Rules>();
const isBounded = new WeakSet<Rules>();

/** marked's GFM rules with the email lookaheads bounded (see `boundEmailLookahead`), made once. */
function withBoundedRules(rules: Rules): Rules {
  if (isBounded.has(rules)) return rules;
  let bounded = boundedRules.get(rules);
  if (bounded === undefined) {
    bounded = { ...rules, inline: { ...rules.inline, text: boundEmailLookahead(rules.inline.text), url: boundEmailLookahead(rules.inline.url) } };
    boundedRules.set(rules, bounded);
    isBounded.add(bounded);
  }
  return bounded;
}

/**
 * marked's GFM tokenizer with raw HTML switched off (`<b>` stays the text "<b>") and the rules
 * that are superlinear on hostile input bounded, each where its work happens: email lookaheads
 * (`a_b_c_…`), emphasis and strikethrough closer searches (`a+_a+_…`), and the line re-splitting
 * of blockquotes and lists. What normal documents render is unchanged. A fresh one per document:
 * it carries that document's budget.
 */
export function boundedTokenizer(documentChars: number, windows = new DelimiterWindows(documentChars)): TokenizerObject {
  const base = Tokenizer.prototype;
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
    // Both are tried at every block; only cut what can start one.
    blockquote(src) {
      return BLOCKQUOTE_START.test(src) ? base.blockquote.call(this, cutLines(src)) : undefined;
    },
    list(src) {
      return LIST_START.test(src) ? base.list.call(this, cutLines(src)) : undefined;
    },
    emStrong(src, maskedSrc, prevChar) {
      if (!this.rules.inline.emStrongLDelim.test(src)) return undefined;
      return windows.run(src, maskedSrc, (s, m) => base.emStrong.call(this, s, m, prevChar));
    },
    del(src, maskedSrc, prevChar) {
      if (!this.rules.inline.delLDelim.test(src)) return undefined;
      return windows.run(src, maskedSrc, (s, m) => base.del.call(this, s, m, prevChar));
    },
    // Tried at every word: skip at once what cannot be an autolink.
    url(src) {
      if (!URL_START.test(src) && !src.slice(0, 65).includes("@")) return undefined;
      this.rules = withBoundedRules(this.rules);
      return base.url.call(this, src);
    },
    inlineText(src) {
      this.rules = withBoundedRules(this.rules);
      return base.inlineText.call(this, src);
    },
  };
}
