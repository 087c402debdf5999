import type { MatrixUserId } from "../ids.js";

/** What Mirage shows of a Matrix user, already sanitized (see `sanitizeMatrixProfile`). */
export interface MatrixProfile {
  /** Plain text, bounded; absent when the user has none. */
  displayName?: string;
  /** An `mxc://` URI; absent when the user has none (or it was not a well-formed `mxc://`). */
  avatarUrl?: string;
}

/**
 * Matrix users' display names and avatars, for what the web side shows of them. Called when a
 * page naming Matrix users is read. Never throws for a missing or unreachable profile and never
 * waits on a remote homeserver longer than a short bound: a user it cannot answer for yet is
 * absent from the map.
 */
export interface MatrixProfiles {
  get(userIds: readonly MatrixUserId[]): Promise<Map<MatrixUserId, MatrixProfile>>;
  /** Calls `listener` after a user's known profile changed; returns the unsubscribe. */
  onChange(listener: (userId: MatrixUserId) => void): () => void;
}
