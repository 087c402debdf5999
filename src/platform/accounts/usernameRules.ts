import type { AccountName } from "../ids.js";
import { asAccountName } from "../ids.js";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import { nameSkeleton, nameSkeletons } from "./nameSkeleton.js";

/**
 * Account names become Matrix localparts (`@mirage_<name>:<domain>`) and URL segments
 * (`/@<name>`), so they use the safe subset of both: lowercase letters, digits, `.`, `_`, `-`.
 * This is the grammar of every existing name; new names are held to `checkUsername`'s
 * stricter rules.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;

/**
 * What sign-up takes: separators only between letters or digits (`alice.`, `a..b` and `a_.b`
 * pass for other names too easily). Written without lookbehind, so the OpenAPI document can use it.
 */
export const NEW_USERNAME_PATTERN = /^(?=.{2,32}$)[a-z0-9](?:[._-]?[a-z0-9])+$/;

/** Names that would collide with pages, the bot, or impersonate staff (compared by skeleton, so lookalikes such as `adrnin` too). */
export const RESERVED: ReadonlySet<string> = new Set(["admin", "administrator", "api", "app", "feed", "health", "metrics", "mirage", "root", "support", "system", "moderator", "staff", "help", "www", "static", "official"]);
const RESERVED_SKELETONS = new Set([...RESERVED].map(nameSkeleton));
const PRODUCT = nameSkeleton("mirage");

/**
 * Normalizes (case-insensitive) and checks a requested name; throws INVALID_INPUT with the rule
 * broken, or NAME_RESERVED. Lookalikes of existing accounts are refused by the repository.
 */
export function checkUsername(raw: string): AccountName {
  const name = raw.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(name)) {
    throw new MirageError(
      ErrorCodes.invalidInput,
      "username must be 2-32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
    );
  }
  if (!NEW_USERNAME_PATTERN.test(name)) {
    throw new MirageError(ErrorCodes.invalidInput, "username must end with a letter or digit and not have two of '.', '_', '-' in a row");
  }
  if (nameSkeletons(name).some((skeleton) => RESERVED_SKELETONS.has(skeleton) || skeleton.startsWith(PRODUCT))) throw new MirageError(ErrorCodes.nameReserved, `username "${name}" is reserved`);
  return asAccountName(name);
}

/** OWASP: at least 8 characters, long passphrases allowed, no composition rules. */
export function checkPassword(password: string): void {
  if (password.length < 8) throw new MirageError(ErrorCodes.invalidInput, "password must be at least 8 characters");
  if (password.length > 256) throw new MirageError(ErrorCodes.invalidInput, "password must be at most 256 characters");
}
