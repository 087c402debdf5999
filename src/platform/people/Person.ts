import type { AccountName, MatrixUserId } from "../ids.js";

/**
 * Whoever acts on the platform: a Mirage account, or a Matrix user reaching it through the bridge.
 * A ghost's Matrix ID is never a Matrix person: {@link people.canonical} turns it into its account.
 * Identity only: display names and avatars are looked up where they are shown (profiles, Matrix
 * state), so a Person held across a change never shows stale data.
 */
export type Person = { readonly kind: "account"; readonly name: AccountName } | { readonly kind: "matrix"; readonly userId: MatrixUserId };

/**
 * A Person as one string, for storage, memberships and sync audiences: the account name (`alice`) or
 * the Matrix user ID (`@bob:example.org`), the spelling stored before Person existed. Formatted and
 * parsed only by {@link people}.
 */
export type PersonId = AccountName | MatrixUserId;

/** A stored spelling read back (trusted: validated when it was written). */
export const asPersonId = (id: string) => id as PersonId;
