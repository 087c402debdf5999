import type { EffectSink, EventHandler } from "../matrix/EventHandler.js";
import type { PortalRoute } from "../matrix/EventRouter.js";
import type { RoomEvent } from "../matrix/matrixEvent.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";

/** The kinds of Matrix room the bridge stands for: a platform room's portal, or a blog's room. */
export type BridgedRoomKind = "room" | "blog";

/**
 * The router's way into the bridge: a room the ID mapping knows as a portal (`room`) or as a
 * blog's room (`blog`) is the bridge's, and each of its events goes to that kind's handler.
 */
export function bridgedRoomRoute(mapping: Pick<IdMapping, "byRoom">, handlers: Record<BridgedRoomKind, EventHandler>): PortalRoute {
  const kindOf = async (roomId: string): Promise<BridgedRoomKind | undefined> => {
    const ref = await mapping.byRoom(roomId);
    return ref?.kind === "room" || ref?.kind === "blog" ? ref.kind : undefined;
  };
  return {
    portalOf: kindOf,
    handler: {
      async handle(event: RoomEvent, effects: EffectSink): Promise<void> {
        const kind = await kindOf(event.roomId);
        if (kind !== undefined) await handlers[kind].handle(event, effects);
      },
    },
  };
}
