import { USERNAME_PATTERN } from "../../platform/accounts/usernameRules.js";
import { MATRIX_ID } from "../../platform/people/people.js";

/** The handle `@room` stands for: everyone in the room (`m.mentions.room`). */
export const ROOM_MENTION = "@room";

// An `@` right after one of these is part of a word, an address or a URL, not a mention.
const NOT_BEFORE = /[A-Za-z0-9._%+\-@/]/;
const MATRIX_HANDLE = /([A-Za-z0-9._=\-/+]{1,255}):([A-Za-z0-9.-]{1,255}(?::[0-9]{1,5})?)/y;
const ACCOUNT_HANDLE = /[a-z0-9][a-z0-9._-]{0,63}/y;
const TRAILING_SEPARATORS = /[._-]+$/;

/**
 * How Mirage text mentions people: `@alice` (an account, written lowercase), `@bob:example.org` (a
 * Matrix user, in the current user ID grammar) and `@room`, each starting at an `@` that is not
 * inside a word, address or URL, and ending before trailing `.`, `_` or `-` (sentence punctuation).
 * Calls `found` with each one's range in `text` and its handle: `alice`, `@bob:example.org` or
 * {@link ROOM_MENTION}. Linear in `text`.
 */
export function scanMentions(text: string, found: (start: number, end: number, handle: string) => void): void {
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    if (at > 0 && NOT_BEFORE.test(text[at - 1]!)) continue;
    const mention = mentionAt(text, at + 1);
    if (mention) found(at, mention.end, mention.handle);
  }
}

function mentionAt(text: string, from: number): { end: number; handle: string } | undefined {
  MATRIX_HANDLE.lastIndex = from;
  const matrix = MATRIX_HANDLE.exec(text);
  if (matrix) {
    const server = matrix[2]!.replace(TRAILING_SEPARATORS, "");
    const userId = `@${matrix[1]}:${server}`;
    if (server !== "" && userId.length <= 255 && MATRIX_ID.test(userId)) return { end: from + userId.length - 1, handle: userId };
  }
  ACCOUNT_HANDLE.lastIndex = from;
  const account = ACCOUNT_HANDLE.exec(text);
  if (!account) return undefined;
  const name = account[0].replace(TRAILING_SEPARATORS, "");
  const end = from + name.length;
  // `@Alice`, `@alice9X…`: not the lowercase handle grammar.
  if (/[A-Za-z0-9]/.test(text[end] ?? "")) return undefined;
  if (`@${name}` === ROOM_MENTION) return { end, handle: ROOM_MENTION };
  return USERNAME_PATTERN.test(name) ? { end, handle: name } : undefined;
}
