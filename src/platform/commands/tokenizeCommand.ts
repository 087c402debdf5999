import { ErrorCodes, MirageError } from "../errors/MirageError.js";

/**
 * Splits `!blog post "My title" rest` into words, honouring double and single quotes that
 * open a word (inside one, as in `Bob's`, they are plain characters) and backslash escapes. Returns undefined when the text is not a command (no leading `!`).
 */
export function tokenizeCommand(text: string): { tokens: string[]; offsets: number[] } | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("!") || trimmed.length < 2 || /\s/.test(trimmed[1]!)) return undefined;
  const base = text.length - trimmed.length + 1;
  const source = trimmed.slice(1);
  const tokens: string[] = [];
  const offsets: number[] = [];
  let current = "";
  let inToken = false;
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\\" && i + 1 < source.length) {
      if (!inToken) offsets.push(base + i);
      current += source[++i];
      inToken = true;
    } else if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if ((ch === '"' || ch === "'") && !inToken) {
      offsets.push(base + i);
      quote = ch;
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
    } else {
      if (!inToken) offsets.push(base + i);
      current += ch;
      inToken = true;
    }
  }
  if (quote) throw new MirageError(ErrorCodes.invalidInput, `Unclosed ${quote} quote in the command.`);
  if (inToken) tokens.push(current);
  return { tokens, offsets };
}
