/** Deepest nesting of objects and arrays accepted in a JSON body (Matrix events and API payloads stay far below). */
export const MAX_JSON_DEPTH = 100;

/**
 * True when `text` nests objects/arrays deeper than `maxDepth`. One linear pass over the
 * raw text, before anything recursive (parsing, storing, serializing) sees it; strings are
 * skipped, so brackets inside them do not count.
 */
export function exceedsJsonDepth(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
  return false;
}
