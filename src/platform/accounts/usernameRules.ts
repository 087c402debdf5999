import type { AccountName } from "../ids.js";
import { asAccountName } from "../ids.js";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";

/**
 * Account names become Matrix localparts (`@mirage_<name>:<domain>`) and URL segments
 * (`/@<name>`), so they use the safe subset of both: lowercase letters, digits, `.`, `_`, `-`.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;

/** Names that would collide with pages, the bot, or impersonate staff. */
export const RESERVED = new Set(["admin", "administrator", "api", "app", "feed", "health", "metrics", "mirage", "root", "support", "system", "moderator", "staff", "help", "www", "static"]);

/** Normalizes (case-insensitive) and checks a requested name; throws INVALID_INPUT with the rule broken. */
export function checkUsername(raw: string): AccountName {
  const name = raw.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(name)) {
    throw new MirageError(
      ErrorCodes.invalidInput,
      "username must be 2-32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
    );
  }
  if (RESERVED.has(name) || name.startsWith("mirage")) throw new MirageError(ErrorCodes.invalidInput, `username "${name}" is reserved`);
  return asAccountName(name);
}

/** OWASP: at least 8 characters, long passphrases allowed, no composition rules. */
export function checkPassword(password: string): void {
  if (password.length < 8) throw new MirageError(ErrorCodes.invalidInput, "password must be at least 8 characters");
  if (password.length > 256) throw new MirageError(ErrorCodes.invalidInput, "password must be at most 256 characters");
}
