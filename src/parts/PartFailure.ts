/** What the composition root was doing with a part when it failed. */
export type PartPhase = "build" | "start" | "stop";

/** A part failed to build, start or stop; names the part, keeps the underlying error as `cause`. */
export class PartFailure extends Error {
  override readonly name = "PartFailure";

  constructor(
    readonly part: string,
    readonly phase: PartPhase,
    cause: unknown,
  ) {
    super(`could not ${phase} the ${part} part: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
