/**
 * A handler failed for a reason retrying will not fix (a bug, an unexpected answer): the
 * event is dead-lettered at once, so an admin can retry it after a fix instead of it being lost.
 */
export class HandlerFailedError extends Error {
  readonly code = "HANDLER_FAILED";

  constructor(cause: unknown) {
    super("event handler failed", { cause });
    this.name = "HandlerFailedError";
  }
}
