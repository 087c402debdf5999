import type { ChatService } from "../platform/chat/ChatService.js";
import type { RoomId } from "../platform/ids.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import type { SyncHub } from "../platform/sync/SyncHub.js";
import type { PluginRoom } from "./pluginApi.js";
import type { PluginNotice } from "./PluginRuntime.js";

/**
 * Delivers plugins' notices through sync to whoever may read the room's messages now, as
 * `plugin.event`. A Matrix room is resolved to its platform room through the ID mapping; a room
 * without one (and a blog) has no web readers, so the notice is dropped.
 */
export function pluginNoticePublisher(deps: { mapping: IdMapping; chat: ChatService; hub: SyncHub; now?: () => number }) {
  const now = deps.now ?? Date.now;
  return async (room: PluginRoom, notice: PluginNotice): Promise<void> => {
    const roomId = await platformRoomOf(deps.mapping, room);
    if (roomId === undefined) return;
    const audience = await deps.chat.messageAudience(roomId as RoomId);
    if (audience.length === 0) return;
    deps.hub.publish(audience, {
      kind: "plugin.event",
      roomId,
      data: { type: "plugin.event", roomId, plugin: notice.plugin, name: notice.name, payload: notice.payload, at: new Date(now()).toISOString() },
    });
  };
}

async function platformRoomOf(mapping: IdMapping, room: PluginRoom): Promise<string | undefined> {
  if ("roomId" in room) return room.roomId;
  if (!("matrixRoomId" in room)) return undefined;
  const ref = await mapping.byRoom(room.matrixRoomId);
  return ref?.kind === "room" ? ref.id : undefined;
}
