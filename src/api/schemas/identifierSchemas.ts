import { Type } from "@sinclair/typebox";
import { NEW_USERNAME_PATTERN, RESERVED, USERNAME_PATTERN } from "../../platform/accounts/usernameRules.js";
import { MATRIX_ID } from "../../platform/people/people.js";
import { REACTION_KEY_MAX_CHARS } from "../../platform/reactions/reactionKey.js";
import { RefreshIn } from "./common.js";

/*
 * The grammars of names people type, built from the domain's own constants so the OpenAPI
 * document and request validation say exactly what the services accept. The schema takes the
 * canonical spelling's grammar, case-insensitive where the service lowercases; it refuses
 * surrounding whitespace (which the services would trim). Patterns avoid \p{…} and lookbehind,
 * so that other tools' regex engines read them as Ajv does.
 */

/** A regex source made case-insensitive letter by letter (JSON Schema patterns have no flags). */
export function caseInsensitiveSource(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") {
      // An escape is copied whole, with a braced argument (\p{…}, \u{…}) if it has one.
      let end = i + 2;
      if (source[end] === "{") end = source.indexOf("}", end) + 1;
      out += source.slice(i, end);
      i = end - 1;
    } else if (inClass) {
      if (c === "]") inClass = false;
      const range = /^([a-z])-([a-z])/.exec(source.slice(i));
      if (range) {
        out += `${range[0]}${range[1]!.toUpperCase()}-${range[2]!.toUpperCase()}`;
        i += 2;
      } else out += /[a-z]/.test(c) ? `${c}${c.toUpperCase()}` : c;
    } else if (c === "[") {
      inClass = true;
      out += c;
      if (source[i + 1] === "^") throw new Error("negated classes cannot be made case-insensitive letter by letter");
    } else if (c === "{") {
      // A quantifier: digits and commas only.
      const end = source.indexOf("}", i) + 1;
      out += source.slice(i, end);
      i = end - 1;
    } else out += /[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c;
  }
  return out;
}

const anchored = (source: string) => source.replace(/^\^/, "").replace(/\$$/, "");
const usernameSource = anchored(caseInsensitiveSource(USERNAME_PATTERN.source));
const newUsernameSource = anchored(caseInsensitiveSource(NEW_USERNAME_PATTERN.source));

/**
 * An account name as sign-up takes it. Reserved names (and names that look like them, by
 * UTS #39 skeleton) are a policy of the service, answered 400 NAME_RESERVED, not a grammar.
 */
export const Username = Type.String({
  $id: "Username",
  pattern: `^${newUsernameSource}$`,
  description:
    "2-32 characters of a-z, 0-9, '.', '_' or '-', starting and ending with a letter or digit, no two of '.', '_', '-' in a row; " +
    `case-insensitive (stored lowercase). Refused with 400 NAME_RESERVED: ${[...RESERVED].join(", ")}, names starting with "mirage", ` +
    "and names that look like one of these.",
  errorMessage: "must be 2-32 characters of a-z, 0-9, '.', '_' or '-', starting and ending with a letter or digit, no two separators in a row",
});

/** An account name in a path: any spelling of one, unknown names answer 404. */
export const AccountNameParam = Type.String({
  $id: "AccountNameParam",
  pattern: `^${usernameSource}$`,
  description: "A Mirage account name (case-insensitive).",
  errorMessage: "must be a Mirage account name",
});

const matrixIdSource = anchored(MATRIX_ID.source);
// `bob@example.org` is `@bob:example.org`: the localpart takes the same characters, case-insensitively.
// It does not start with `@` (that is the Matrix ID form); the last `@` separates the server.
const addressSource = matrixIdSource.replace(/^@(\[[^\]]+\]\{1,255\}):/, "(?!@)$1@");
if (addressSource === matrixIdSource) throw new Error("MATRIX_ID changed shape; update the handle grammar");

/** A person as people type one. */
export const Handle = Type.String({
  $id: "Handle",
  minLength: 2,
  maxLength: 255,
  pattern: `^(?:${usernameSource}|${matrixIdSource}|${addressSource})$`,
  description: "A Mirage account name (alice), a Matrix user ID (@bob:example.org) or the same written as bob@example.org.",
  errorMessage: "must be a handle: a Mirage name (alice), a Matrix ID (@bob:example.org) or bob@example.org",
});

// Control characters (Cc) and lone surrogates (Cs), spelled as ranges.
const FORBIDDEN_IN_KEY = "\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF";

/** A reaction key: an emoji or short text. */
export const ReactionKey = Type.String({
  $id: "ReactionKey",
  minLength: 1,
  maxLength: REACTION_KEY_MAX_CHARS,
  pattern: `^[^\\s${FORBIDDEN_IN_KEY}](?:[^${FORBIDDEN_IN_KEY}]*[^\\s${FORBIDDEN_IN_KEY}])?$`,
  description:
    `An emoji or short text, percent-encoded in the path: 1-${REACTION_KEY_MAX_CHARS} characters (counted after NFC normalization), ` +
    "no control characters, no surrounding whitespace.",
  errorMessage: `must be 1-${REACTION_KEY_MAX_CHARS} characters without control characters or surrounding whitespace`,
});

/** Sign-up: a new account's name and password (log-in takes any spelling: a wrong one is 401). */
export const SignUpRequest = Type.Object(
  {
    username: Type.Ref(Username),
    // checkPassword's bounds.
    password: Type.String({ minLength: 8, maxLength: 256, errorMessage: "must be at least 8 and at most 256 characters" }),
    refreshIn: Type.Optional(RefreshIn),
  },
  { $id: "SignUpRequest", additionalProperties: false },
);

export const identifierSchemas = [Username, AccountNameParam, Handle, ReactionKey, SignUpRequest];
