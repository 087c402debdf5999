import type { Command } from "../../platform/commands/Command.js";
import type { MembershipRecord, Room, RoomRepository } from "../../platform/chat/Room.js";
import { ErrorCodes, MirageError } from "../../platform/errors/MirageError.js";
import { asRoomId, type RoomId } from "../../platform/ids.js";
import { people } from "../../platform/people/people.js";
import type { GhostAccounts } from "../../platform/ports/GhostAccounts.js";
import type { IdMapping } from "../../platform/ports/IdMapping.js";
import type { Outbox } from "../../platform/ports/Outbox.js";
import type { BridgeNames } from "../bridgeNames.js";
import { portalCreation, type PortalSettings } from "../portalCreation.js";
import { indexRoomState, portalResyncOps, type MatrixStateEvent } from "../portalResync.js";

export interface PortalCommandDeps {
  /** The platform room a Matrix room is the portal of. */
  portalOf(matrixRoomId: string): Promise<RoomId | undefined>;
  rooms: RoomRepository;
  mapping: IdMapping;
  outbox: Outbox;
  /** A room's current state as the bot reads it from the homeserver. */
  roomState(matrixRoomId: string): Promise<MatrixStateEvent[]>;
  names: BridgeNames;
  ghosts: GhostAccounts;
  portal: PortalSettings;
  /** Told after operations were queued, so the outbox sends them. */
  kickOutbox(): void;
  now?: () => number;
}

/** Names listed per side in `!mirage portal`; the rest are counted. */
const LIST_LIMIT = 50;
const PLATFORM_ROOM_ID = /^r_[A-Za-z0-9_-]{1,64}$/;

/**
 * `!mirage portal` (anyone: which Mirage room this is, its members on both sides, encryption),
 * `!mirage portal resync` (room admins: queue what brings the portal's memberships and state in
 * line with the platform) and `!mirage portal create <roomId>` (bridge admins: create the portal
 * of a Mirage room that has none).
 */
export function portalCommands(deps: PortalCommandDeps): Command[] {
  const now = deps.now ?? Date.now;
  const notAPortal = (): never => {
    throw new MirageError(ErrorCodes.notFound, "This room is not a Mirage portal: it is not the Matrix room of any Mirage room.");
  };
  const portalRoom = async (matrixRoomId: string): Promise<Room> => {
    const roomId = await deps.portalOf(matrixRoomId);
    const room = roomId && (await deps.rooms.get(roomId));
    return room || notAPortal();
  };
  /** The room's state; a room the bot cannot read (a DM portal it is not in) is the sender's answer, not a failure to retry. */
  const roomState = async (matrixRoomId: string): Promise<MatrixStateEvent[]> => {
    try {
      return await deps.roomState(matrixRoomId);
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      if (status === 403 || status === 404) throw new MirageError(ErrorCodes.forbidden, "Mirage's bot is not in this room, so it cannot read its Matrix side.");
      throw error;
    }
  };
  const enqueue = async (ops: Parameters<Outbox["enqueue"]>[0]) => {
    await deps.outbox.enqueue(ops, now());
    if (ops.length > 0) deps.kickOutbox();
  };

  return [
    {
      name: "mirage portal",
      summary: "show which Mirage room this portal is, its members on both sides and its encryption",
      permission: "anyone",
      async run(ctx) {
        const room = await portalRoom(ctx.roomId);
        const [members, state] = await Promise.all([deps.rooms.members(room.id), roomState(ctx.roomId)]);
        const matrix = indexRoomState(state);
        const encryption = matrix.content("m.room.encryption");
        const joined = [...matrix.memberships].filter(([, m]) => m === "join").map(([userId]) => userId);
        const current = members.filter((m) => m.membership !== "leave");
        const link = deps.portal.roomUrl ? ` — ${deps.portal.roomUrl(room)}` : "";
        ctx.reply(
          [
            `Mirage room "${room.name}" (${room.id}), ${room.kind === "dm" ? "a direct chat" : `${room.joinRule === "public" ? "public" : "invite-only"} group`}${link}`,
            `Alias: ${deps.names.portalAlias(room.id)}`,
            `Encryption: ${typeof encryption?.algorithm === "string" ? `on (${encryption.algorithm})` : "off"}`,
            `Mirage members (${current.length}): ${listed(current.map(describeMember))}`,
            `Matrix members joined (${joined.length}): ${listed(joined)}`,
          ].join("\n"),
        );
      },
    },
    {
      name: "mirage portal resync",
      summary: "bring this portal's members, name, topic and bridge info in line with the Mirage room",
      permission: "admin",
      async run(ctx) {
        const room = await portalRoom(ctx.roomId);
        const [members, state] = await Promise.all([deps.rooms.members(room.id), roomState(ctx.roomId)]);
        const ops = portalResyncOps({
          room,
          members,
          matrixRoomId: ctx.roomId,
          matrix: indexRoomState(state),
          names: deps.names,
          ghosts: deps.ghosts,
          settings: deps.portal,
        });
        if (ops.length === 0) {
          ctx.reply("This portal is in line with its Mirage room: nothing to do.");
          return;
        }
        await enqueue(ops);
        const memberships = ops.filter((op) => op.op === "membership").length;
        ctx.reply(`Queued ${ops.length} change(s) to bring this portal in line: ${memberships} membership change(s), ${ops.length - memberships} state event(s).`);
      },
    },
    {
      name: "mirage portal create",
      summary: "create the Matrix portal of a Mirage room that has none",
      permission: "bridgeAdmin",
      args: [{ name: "roomId", description: "the Mirage room's ID (r_…)", required: true }],
      async run(ctx) {
        const id = ctx.args.roomId!;
        const room = PLATFORM_ROOM_ID.test(id) ? await deps.rooms.get(asRoomId(id)) : undefined;
        if (!room) throw new MirageError(ErrorCodes.notFound, `There is no Mirage room ${id}.`);
        const existing = await deps.mapping.toMatrix({ kind: "room", id: room.id });
        if (existing) {
          ctx.reply(`Mirage room ${room.id} has a portal already: ${deps.names.portalAlias(room.id)}`);
          return;
        }
        await enqueue(portalCreation(room, await deps.rooms.members(room.id), deps.names, deps.portal));
        ctx.reply(`Creating the portal of Mirage room ${room.id}: ${deps.names.portalAlias(room.id)}`);
      },
    },
  ];
}

function describeMember(record: MembershipRecord): string {
  const kind = people.isMatrixId(record.member) ? "matrix" : "mirage";
  return `${record.member} (${kind}${record.membership === "join" ? "" : `, ${record.membership}`})`;
}

function listed(items: readonly string[]): string {
  if (items.length === 0) return "none";
  const shown = items.slice(0, LIST_LIMIT).join(", ");
  return items.length > LIST_LIMIT ? `${shown}, …and ${items.length - LIST_LIMIT} more` : shown;
}
