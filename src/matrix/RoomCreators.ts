import type { MatrixClient } from "@vector-im/matrix-bot-sdk";

/** Room versions whose creators hold unlimited power by the create event, not by `users` (MSC4289). */
export const CREATOR_OWNS = new Set(["12", "org.matrix.hydra.11"]);

/** The power level reported for a creator in those versions: above any level a room can set. */
export const CREATOR_POWER = Number.MAX_SAFE_INTEGER;

/** Reads the bot can do: a state event's content, and one event as the homeserver stores it. */
export interface RoomEventReader {
  stateContent(roomId: string, eventType: string, stateKey: string): Promise<Record<string, unknown> | undefined>;
  event(roomId: string, eventId: string): Promise<{ sender?: unknown; content?: unknown } | undefined>;
}

const MAX_ROOMS = 10_000;

/**
 * Who created a room, for the room versions that give creators their power by the create event
 * (the create event's sender and its `additional_creators`); empty for older versions, whose
 * creators hold power through `users` like anyone else. Creators never change: answers are kept
 * (bounded, oldest forgotten first).
 */
export class RoomCreators {
  private readonly known = new Map<string, ReadonlySet<string>>();

  constructor(private readonly reader: RoomEventReader) {}

  async of(roomId: string): Promise<ReadonlySet<string>> {
    const cached = this.known.get(roomId);
    if (cached) return cached;
    const creators = await this.read(roomId);
    if (this.known.size >= MAX_ROOMS) this.known.delete(this.known.keys().next().value!);
    this.known.set(roomId, creators);
    return creators;
  }

  private async read(roomId: string): Promise<ReadonlySet<string>> {
    const create = await this.reader.stateContent(roomId, "m.room.create", "");
    const version = typeof create?.room_version === "string" ? create.room_version : "1";
    if (!create || !CREATOR_OWNS.has(version)) return new Set();
    // In these versions a room's ID is its create event's ID with `!` for `$` (MSC4291).
    const event = await this.reader.event(roomId, `$${roomId.slice(1)}`);
    const creators = new Set<string>();
    if (typeof event?.sender === "string") creators.add(event.sender);
    const additional = create.additional_creators;
    if (Array.isArray(additional)) for (const id of additional) if (typeof id === "string") creators.add(id);
    return creators;
  }
}

/** The bot's reads for `RoomCreators`: an unset state event is undefined, other failures throw. */
export function botRoomEventReader(client: MatrixClient): RoomEventReader {
  return {
    async stateContent(roomId, eventType, stateKey) {
      try {
        return (await client.getRoomStateEvent(roomId, eventType, stateKey)) as Record<string, unknown> | undefined;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
    async event(roomId, eventId) {
      return (await client.doRequest("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`)) as {
        sender?: unknown;
        content?: unknown;
      };
    },
  };
}
