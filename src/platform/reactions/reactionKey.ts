import { ErrorCodes, MirageError } from "../errors/MirageError.js";

export const REACTION_KEY_MAX_CHARS = 64;

// Control characters and unpaired surrogates (which cannot be stored as UTF-8).
const FORBIDDEN = /[\p{Cc}\p{Cs}]/u;

/**
 * The canonical form of a reaction key (an emoji or short text): NFC-normalized, 1–64
 * characters (code points), no control characters, no surrounding whitespace. Throws
 * INVALID_INPUT otherwise, so the same key typed two ways is counted once.
 */
export function normalizeReactionKey(raw: string): string {
  if (FORBIDDEN.test(raw)) throw invalid("must not contain control characters");
  const key = raw.normalize("NFC");
  const length = [...key].length;
  if (length === 0 || key.trim() === "") throw invalid("must not be empty");
  if (length > REACTION_KEY_MAX_CHARS) throw invalid(`must be at most ${REACTION_KEY_MAX_CHARS} characters`);
  if (key.trim() !== key) throw invalid("must not start or end with whitespace");
  return key;
}

function invalid(rule: string): MirageError {
  return new MirageError(ErrorCodes.invalidInput, `reaction key ${rule}`);
}
