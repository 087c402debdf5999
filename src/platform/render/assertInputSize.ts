import { ErrorCodes, MirageError } from "../errors/MirageError.js";

/**
 * Default bound, in characters (code points, as in the platform's content limits), on text given
 * to the renderers and sanitizers. It keeps their worst-case time and memory small.
 */
export const DEFAULT_MAX_INPUT_CHARS = 100_000;

/** Throws `INVALID_INPUT` unless `text` is a string of at most `maxChars` code points. */
export function assertInputSize(text: unknown, maxChars: number, what: string): asserts text is string {
  if (typeof text !== "string") throw new MirageError(ErrorCodes.invalidInput, `${what} must be text`);
  if (text.length <= maxChars) return;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    if (++count > maxChars) {
      throw new MirageError(ErrorCodes.invalidInput, `${what} must be at most ${maxChars} characters`, {
        details: { maxChars },
      });
    }
  }
}
