import { USERNAME_PATTERN } from "../accounts/usernameRules.js";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import type { AccountName, MatrixUserId } from "../ids.js";
import type { GhostAccounts } from "../ports/GhostAccounts.js";
import type { Person, PersonId } from "./Person.js";

/** A Matrix user ID: `@localpart:server`, with the spec's historical localpart charset and a server name. */
export const MATRIX_ID = /^@[!-9;-~]{1,255}:[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

/**
 * The one place that tells a Matrix user from a Mirage account: parses what people type, reads and
 * writes the stored {@link PersonId} spelling, and canonicalizes a ghost's Matrix ID to its account.
 */
export const people = {
  account(name: AccountName): Person {
    return { kind: "account", name };
  },

  matrix(userId: MatrixUserId): Person {
    return { kind: "matrix", userId };
  },

  /** Whether a stored or typed identifier is a Matrix user ID rather than an account name. */
  isMatrixId(id: string): id is MatrixUserId {
    return id.startsWith("@");
  },

  /** The stored spelling of `person`. */
  id(person: Person): PersonId {
    return person.kind === "account" ? person.name : person.userId;
  },

  /** A stored spelling back into a Person (trusted: it was validated when written). */
  fromId(id: string): Person {
    return people.isMatrixId(id) ? people.matrix(id) : people.account(id as AccountName);
  },

  same(a: Person, b: Person): boolean {
    return people.id(a) === people.id(b);
  },

  /**
   * What a person typed as a Person: `alice` (an account; case-folded), `@bob:example.org` (a Matrix
   * user, kept as written: Matrix IDs are case-sensitive) or `bob@example.org` (the same Matrix user
   * written like an e-mail address; case-folded). Not canonicalized. INVALID_INPUT otherwise.
   */
  parseHandle(input: string): Person {
    const handle = input.trim();
    if (people.isMatrixId(handle)) {
      if (!MATRIX_ID.test(handle) || handle.length > 255) throw invalidHandle(input);
      return people.matrix(handle);
    }
    const at = handle.lastIndexOf("@");
    if (at > 0) {
      const localpart = handle.slice(0, at).toLowerCase();
      const id = `@${localpart}:${handle.slice(at + 1).toLowerCase()}`;
      // A ':' in the localpart would make `bob:example.org@8448` mean @bob:example.org:8448.
      if (localpart.includes(":") || !MATRIX_ID.test(id)) throw invalidHandle(input);
      return people.matrix(id as MatrixUserId);
    }
    const name = handle.toLowerCase();
    if (!USERNAME_PATTERN.test(name)) throw invalidHandle(input);
    return people.account(name as AccountName);
  },

  /** `person`, except that a ghost's Matrix ID becomes its account: never a second, Matrix, member. */
  canonical(person: Person, ghosts: GhostAccounts | undefined): Person {
    if (person.kind === "account") return person;
    const name = ghosts?.(person.userId);
    return name === undefined ? person : people.account(name);
  },

  /** A typed handle as the Person it means: parsed, then canonicalized. */
  resolve(handle: string, ghosts: GhostAccounts | undefined): Person {
    return people.canonical(people.parseHandle(handle), ghosts);
  },

  /**
   * The port for ghosts `@<prefix><account>:<domain>`: the prefix and the domain exactly as registered
   * (Synapse matches the namespace case-sensitively), and an account name after the prefix, so a
   * look-alike on another server or with capitals stays a Matrix user.
   */
  ghostAccounts(prefix: string, domain: string): GhostAccounts {
    const head = `@${prefix}`;
    const tail = `:${domain}`;
    return (userId) => {
      if (!userId.startsWith(head) || !userId.endsWith(tail)) return undefined;
      const name = userId.slice(head.length, userId.length - tail.length);
      return USERNAME_PATTERN.test(name) ? (name as AccountName) : undefined;
    };
  },
} as const;

function invalidHandle(input: string): MirageError {
  return new MirageError(
    ErrorCodes.invalidInput,
    `"${input.slice(0, 80)}" is not a handle: use a Mirage name (alice), a Matrix ID (@bob:example.org) or bob@example.org`,
  );
}
