import type { OutboxOperation } from "../platform/outbox/outboxOperationSchema.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import type { Outbox } from "../platform/ports/Outbox.js";
import type { ActAs, PluginMatrixActions, PluginRoom } from "./pluginApi.js";

/** Reads a room's state as the bot (the Matrix side supplies it). */
export interface MatrixStateReader {
  /** The content of a state event; undefined when unset (404) or empty. */
  getState(roomId: string, eventType: string, stateKey: string): Promise<Record<string, unknown> | undefined>;
}

export interface PluginMatrixDeps {
  outbox: Outbox;
  mapping: IdMapping;
  reader: MatrixStateReader;
  botUserId: string;
  /** The ghost of a Mirage account. */
  ghostUserId(account: string): string;
  /** Makes the outbox send what was just queued. */
  kickOutbox(): void;
  now?: () => number;
}

type Address = { roomId: string } | { room: { kind: "room" | "blog"; id: string } };

/**
 * A plugin's Matrix actions: queued through the outbox (durable, ordered per room, retried), a
 * platform room or blog addressed by its mapping ref so a send queued before its Matrix room
 * exists goes out after; reads of state through the bot.
 */
export function pluginMatrixActions(deps: PluginMatrixDeps): PluginMatrixActions {
  const now = deps.now ?? Date.now;
  const sender = (options?: ActAs) => (options?.as ? deps.ghostUserId(options.as.account) : deps.botUserId);
  const enqueue = async (operation: OutboxOperation) => {
    await deps.outbox.enqueue([operation], now());
    deps.kickOutbox();
  };
  const matrixRoomOf = async (room: PluginRoom): Promise<string> => {
    if ("matrixRoomId" in room) return room.matrixRoomId;
    const ref = "roomId" in room ? { kind: "room" as const, id: room.roomId } : { kind: "blog" as const, id: room.blog };
    const found = await deps.mapping.toMatrix(ref);
    if (!found) throw new MirageError(ErrorCodes.notFound, `the ${ref.kind} has no Matrix room yet`);
    return found.roomId;
  };
  const actions: PluginMatrixActions = {
    sendNotice: (room, text, options) =>
      enqueue({
        op: "send",
        sender: sender(options),
        ...address(room),
        eventType: "m.room.message",
        content: { msgtype: "m.notice", body: text, ...(options?.html !== undefined ? { format: "org.matrix.custom.html", formatted_body: options.html } : {}) },
      }),
    sendMessage: (room, content, options) =>
      enqueue({ op: "send", sender: sender(options), ...address(room), eventType: options?.eventType ?? "m.room.message", content }),
    setState: (room, eventType, stateKey, content, options) => enqueue({ op: "state", sender: sender(options), ...address(room), eventType, stateKey, content }),
    removeState: (room, eventType, stateKey, options) => actions.setState(room, eventType, stateKey, {}, options),
    redact: (room, eventId, options) =>
      enqueue({ op: "redact", sender: sender(options), ...address(room), target: { eventId }, ...(options?.reason !== undefined ? { reason: options.reason } : {}) }),
    getState: async (room, eventType, stateKey) => deps.reader.getState(await matrixRoomOf(room), eventType, stateKey),
    powerFor: async (room, userId, stateEventType) => {
      const levels = (await deps.reader.getState(await matrixRoomOf(room), "m.room.power_levels", "")) ?? {};
      const users = (levels.users ?? {}) as Record<string, unknown>;
      const events = (levels.events ?? {}) as Record<string, unknown>;
      const user = num(users[userId]) ?? num(levels.users_default) ?? 0;
      const needed = num(events[stateEventType]) ?? num(levels.state_default) ?? 50;
      return { user, needed };
    },
  };
  return actions;
}

function address(room: PluginRoom): Address {
  if ("matrixRoomId" in room) return { roomId: room.matrixRoomId };
  if ("roomId" in room) return { room: { kind: "room", id: room.roomId } };
  return { room: { kind: "blog", id: room.blog } };
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
