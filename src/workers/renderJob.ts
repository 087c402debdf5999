import type { MessagePort } from "node:worker_threads";
import { isMirageError, type ErrorCode } from "../platform/errors/MirageError.js";
import type { RenderTask } from "../platform/render/renderDocument.js";

/** What the pool hands a render thread: the task, and a port on which the thread says it started. */
export interface RenderJob {
  task: RenderTask;
  started: MessagePort;
}

/** A thread's answer. Domain errors travel as data: thrown errors lose their class across threads. */
export type RenderOutcome = { html: string } | { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

export function renderedOrError(render: () => string): RenderOutcome {
  try {
    return { html: render() };
  } catch (error) {
    if (!isMirageError(error)) throw error;
    return { error: { code: error.code, message: error.message, ...(error.details ? { details: { ...error.details } } : {}) } };
  }
}
