import { ErrorCodes, MirageError } from "../errors/MirageError.js";

/**
 * Why a `since` token was refused. Every reason means the same thing to the client (start over
 * with a fresh sync); the distinction is for logs: `previous-instance` is expected after a
 * restart, `forged` is not.
 */
export type SyncTokenProblem = "malformed" | "forged" | "previous-instance" | "future" | "expired";

const MESSAGE = "The sync token is stale or invalid; do a fresh sync and poll with the token it returns.";

/** The error every refused `since` token raises: code `INVALID_INPUT`, `details.syncToken` = the reason. */
export function invalidSyncToken(problem: SyncTokenProblem): MirageError {
  return new MirageError(ErrorCodes.invalidInput, MESSAGE, { details: { syncToken: problem } });
}

/** True for the error raised by {@link invalidSyncToken}, so adapters can tell it from other bad input. */
export function isInvalidSyncToken(error: unknown): error is MirageError {
  return (
    error instanceof MirageError &&
    error.code === ErrorCodes.invalidInput &&
    typeof error.details?.["syncToken"] === "string"
  );
}
