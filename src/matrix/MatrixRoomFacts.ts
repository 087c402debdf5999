import type { Appservice } from "@vector-im/matrix-bot-sdk";
import type { RoomFacts } from "../platform/commands/CommandDispatcher.js";
import type { CommandPlace } from "../platform/commands/checkPermission.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import { botRoomEventReader, CREATOR_POWER, RoomCreators } from "./RoomCreators.js";

/** Room facts read from the homeserver as the bot, and from the ID mapping (which rooms are bridged). */
export class MatrixRoomFacts implements RoomFacts {
  private readonly admins: ReadonlySet<string>;
  private readonly creators: RoomCreators;

  constructor(
    private readonly appservice: Appservice,
    admins: readonly string[],
    private readonly mapping: Pick<IdMapping, "byRoom">,
    creators?: RoomCreators,
  ) {
    this.admins = new Set(admins);
    this.creators = creators ?? new RoomCreators(botRoomEventReader(appservice.botClient));
  }

  /** A creator of a room whose version makes creators owners outranks every level the room sets. */
  async powerLevel(roomId: string, userId: string): Promise<number> {
    if ((await this.creators.of(roomId)).has(userId)) return CREATOR_POWER;
    let levels: { users?: Record<string, unknown>; users_default?: unknown };
    try {
      levels = await this.appservice.botClient.getRoomStateEvent(roomId, "m.room.power_levels", "");
    } catch (error) {
      // A room without a power-levels event gives everyone level 0 (creator aside).
      if ((error as { statusCode?: number }).statusCode === 404) return 0;
      throw error;
    }
    const own = levels.users?.[userId];
    if (typeof own === "number") return own;
    return typeof levels.users_default === "number" ? levels.users_default : 0;
  }

  async isDirectWithBot(roomId: string): Promise<boolean> {
    const members = await this.appservice.botClient.getJoinedRoomMembers(roomId);
    return members.length <= 2;
  }

  /** The mapping first: a bridged DM portal has two members too, but it is not a conversation with the bot. */
  async place(roomId: string): Promise<CommandPlace> {
    const ref = await this.mapping.byRoom(roomId);
    if (ref?.kind === "blog") return { kind: "blog", owner: ref.id };
    if (ref) return { kind: "portal" };
    return (await this.isDirectWithBot(roomId)) ? { kind: "dm" } : { kind: "room" };
  }

  isBridgeAdmin(userId: string): boolean {
    return this.admins.has(userId);
  }
}
