import type { AccountName, MatrixUserId } from "../ids.js";

/**
 * The account whose ghost `userId` is, or undefined for any other Matrix user. Supplied by the
 * composition root from the appservice's user namespace and the homeserver's domain; called every
 * time a Matrix ID enters the platform, so it must be pure and cheap.
 */
export type GhostAccounts = (userId: MatrixUserId) => AccountName | undefined;
