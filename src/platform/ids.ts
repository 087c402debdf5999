/** Domain identifiers are branded strings: an AccountName cannot be passed where a PostId is meant. */
type Brand<T, B extends string> = T & { readonly __brand: B };

/** A Mirage account name: lowercase, 2–32 of [a-z0-9._-], starting with a letter or digit. */
export type AccountName = Brand<string, "AccountName">;
/** A Matrix user ID, `@localpart:server`; see `people` for parsing it. */
export type MatrixUserId = Brand<string, "MatrixUserId">;
/** A refresh-token family: one login on one device, rotated on every refresh. */
export type SessionId = Brand<string, "SessionId">;

export const asAccountName = (name: string) => name as AccountName;
export const asSessionId = (id: string) => id as SessionId;
