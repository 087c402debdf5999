import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ErrorCodes, MirageError } from "../errors/MirageError.js";
import { type OutboxOperation, OutboxOperationSchema } from "./outboxOperationSchema.js";

const check = TypeCompiler.Compile(OutboxOperationSchema);

/** Operations addressed to a room: they name it by Matrix ID or by platform reference, exactly one. */
const ADDRESSED = new Set(["send", "sendImage", "state", "redact", "membership", "receipt"]);
const NEEDS_TARGET_USER = new Set(["invite", "kick", "ban", "unban"]);

/** Why `value` is not a valid outbox operation (a field path, never content), or undefined when it is. */
export function outboxOperationProblem(value: unknown): string | undefined {
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    return `invalid operation at ${first?.path || "/"}`;
  }
  const op = value as OutboxOperation;
  if (ADDRESSED.has(op.op)) {
    const { roomId, room } = op as { roomId?: string; room?: unknown };
    if ((roomId === undefined) === (room === undefined)) return "exactly one of roomId and room is required";
  }
  if (op.op === "membership" && NEEDS_TARGET_USER.has(op.action) && op.userId === undefined) return `${op.action} needs userId`;
  if (op.op === "sendImage" && (op.relation?.type === "reaction" || op.relation?.type === "edit")) return "an image is sent as a new message";
  if (op.op === "send" && op.relation?.type === "reaction" && op.eventType !== "m.reaction") return "a reaction is sent as m.reaction";
  if (op.op === "profile" && op.displayName === undefined && op.avatarUrl === undefined && op.avatarSource === undefined) return "profile needs displayName or an avatar";
  if (op.op === "profile" && op.avatarUrl !== undefined && op.avatarSource !== undefined) return "profile takes avatarUrl or avatarSource, not both";
  return undefined;
}

/** Throws a `MirageError` (invalid request) unless every operation is valid. */
export function assertOutboxOperations(values: readonly unknown[]): asserts values is readonly OutboxOperation[] {
  for (const value of values) {
    const problem = outboxOperationProblem(value);
    if (problem !== undefined) throw new MirageError(ErrorCodes.invalidInput, `outbox: ${problem}`);
  }
}
