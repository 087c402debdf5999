import type { IdMapping } from "../ports/IdMapping.js";

/** A platform room or a blog (`id`: its owner), as a Matrix room stands for it. */
export interface LinkedRoom {
  kind: "room" | "blog";
  id: string;
}

/**
 * Which Matrix room is which platform room, both ways (read-only): for plugins, which hear of
 * Matrix rooms from commands and Matrix events and of platform rooms from the journal.
 */
export class RoomLinks {
  constructor(private readonly mapping: Pick<IdMapping, "toMatrix" | "byRoom">) {}

  /** The Matrix room of a platform room (its portal) or of a blog, once it exists. */
  async matrixRoomOf(room: LinkedRoom): Promise<string | undefined> {
    return (await this.mapping.toMatrix(room))?.roomId;
  }

  /** The platform room or blog a Matrix room stands for; undefined for any other room. */
  async platformRoomOf(matrixRoomId: string): Promise<LinkedRoom | undefined> {
    const ref = await this.mapping.byRoom(matrixRoomId);
    return ref && (ref.kind === "room" || ref.kind === "blog") ? { kind: ref.kind, id: ref.id } : undefined;
  }
}
