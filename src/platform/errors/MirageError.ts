/**
 * Every error Mirage raises on purpose carries a stable `code` (documented in the README)
 * and a message that is safe to show to the person who caused it. Adapters map codes to
 * HTTP statuses or Matrix notices in one place each; anything that is not a MirageError
 * is treated as an internal failure whose details are logged, never shown.
 */
export class MirageError extends Error {
  readonly code: ErrorCode;
  /** Extra, non-secret facts for logs and structured error bodies. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MirageError";
    this.code = code;
    this.details = options?.details;
  }
}

/** The stable error codes. Adding one means documenting it in the README. */
export const ErrorCodes = {
  /** Input failed validation. */
  invalidInput: "INVALID_INPUT",
  /** The thing asked for does not exist. */
  notFound: "NOT_FOUND",
  /** The caller is not authenticated. */
  unauthenticated: "UNAUTHENTICATED",
  /** The caller is authenticated but not allowed to do this. */
  forbidden: "FORBIDDEN",
  /** The request conflicts with existing state. */
  conflict: "CONFLICT",
  /** A username or display name reserved for Mirage itself or its staff. */
  nameReserved: "NAME_RESERVED",
  /** A username or display name that is, or looks like, another account's name. */
  nameConfusable: "NAME_CONFUSABLE",
  /** A call authenticated by the refresh cookie without the CSRF header, or from another origin. */
  csrfRejected: "CSRF_REJECTED",
  /** Too many requests; try again later. */
  rateLimited: "RATE_LIMITED",
  /** The configuration is invalid. */
  invalidConfig: "INVALID_CONFIG",
  /** The homeserver could not be reached or refused the request. */
  homeserverUnavailable: "HOMESERVER_UNAVAILABLE",
  /** Media is larger than Mirage is willing to serve. */
  mediaTooLarge: "MEDIA_TOO_LARGE",
  /** Encrypted media whose downloaded bytes do not match its hash or key: refused, never served. */
  mediaCorrupt: "MEDIA_CORRUPT",
  /** Mirage is at a capacity bound for this kind of request; try again after `details.retryAfterSeconds`. */
  overloaded: "OVERLOADED",
  /** Content whose rendering took longer than the per-document time limit; simplify it. */
  contentTooComplex: "CONTENT_TOO_COMPLEX",
  /** A feature was asked for that this build does not provide. */
  notAvailable: "NOT_AVAILABLE",
  /** The path exists, but not with this method. */
  methodNotAllowed: "METHOD_NOT_ALLOWED",
  /** The request line or its header fields are larger than the server reads. */
  requestTooLarge: "REQUEST_TOO_LARGE",
  /** An unexpected failure; details are in the server log only. */
  internal: "INTERNAL",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export function isMirageError(error: unknown): error is MirageError {
  return error instanceof MirageError;
}
