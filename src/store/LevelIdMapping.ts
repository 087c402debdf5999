import type { IdMapping, MappingLink, PlatformRef } from "../platform/ports/IdMapping.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { platformRefKey, SUBLEVELS } from "./keys.js";

interface MatrixSide {
  roomId: string;
  eventId?: string;
  origin: MappingLink["origin"];
}

/**
 * ID mapping on level: one sublevel per direction — platform reference → Matrix IDs, Matrix
 * event → link, Matrix room → platform room. The reverse entries are written (and the stale
 * ones of a re-linked reference deleted) in the batch that writes the forward entry.
 */
export class LevelIdMapping implements IdMapping {
  private readonly refs: JsonSublevel<MatrixSide>;
  private readonly events: JsonSublevel<MappingLink>;
  private readonly rooms: JsonSublevel<PlatformRef>;
  private readonly mutex = new Mutex();

  constructor(private readonly db: RootLevel) {
    this.refs = jsonSublevel<MatrixSide>(db, SUBLEVELS.idMapRefs);
    this.events = jsonSublevel<MappingLink>(db, SUBLEVELS.idMapEvents);
    this.rooms = jsonSublevel<PlatformRef>(db, SUBLEVELS.idMapRooms);
  }

  async toMatrix(ref: PlatformRef): Promise<{ roomId: string; eventId?: string } | undefined> {
    const side = await this.refs.get(platformRefKey(ref.kind, ref.id));
    if (!side) return undefined;
    return side.eventId === undefined ? { roomId: side.roomId } : { roomId: side.roomId, eventId: side.eventId };
  }

  async byEvent(eventId: string): Promise<MappingLink | undefined> {
    return this.events.get(eventId);
  }

  async byRoom(roomId: string): Promise<PlatformRef | undefined> {
    return this.rooms.get(roomId);
  }

  link(links: readonly MappingLink[]): Promise<void> {
    return this.withLock(async () => this.db.batch(await this.linkOps(links)));
  }

  /** Serializes linking: callers that batch `linkOps` with their own writes run them inside. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  /**
   * Batch operations deleting the links of `refs` (object references, not rooms) both ways, and the
   * Matrix event IDs they named; call inside `withLock`.
   */
  async unlinkOps(refs: readonly PlatformRef[]): Promise<{ eventIds: string[]; ops: BatchOp[] }> {
    const eventIds: string[] = [];
    const ops: BatchOp[] = [];
    for (const ref of refs) {
      if (isRoomKind(ref.kind)) continue;
      const key = platformRefKey(ref.kind, ref.id);
      const side = await this.refs.get(key);
      if (!side) continue;
      ops.push({ type: "del", sublevel: this.refs, key } as BatchOp);
      if (side.eventId !== undefined) {
        eventIds.push(side.eventId);
        ops.push({ type: "del", sublevel: this.events, key: side.eventId } as BatchOp);
      }
    }
    return { eventIds, ops };
  }

  /** Batch operations recording `links`, for another repository's batch; call inside `withLock`. */
  async linkOps(links: readonly MappingLink[]): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    // Links of this batch, so a reference linked twice in it replaces its own earlier entry.
    const written = new Map<string, MatrixSide>();
    for (const link of links) {
      const key = platformRefKey(link.ref.kind, link.ref.id);
      const previous = written.get(key) ?? (await this.refs.get(key));
      if (previous?.eventId !== undefined && previous.eventId !== link.eventId) {
        ops.push({ type: "del", sublevel: this.events, key: previous.eventId } as BatchOp);
      }
      if (previous && isRoomKind(link.ref.kind) && previous.roomId !== link.roomId) {
        ops.push({ type: "del", sublevel: this.rooms, key: previous.roomId } as BatchOp);
      }
      const side: MatrixSide = { roomId: link.roomId, origin: link.origin, ...(link.eventId === undefined ? {} : { eventId: link.eventId }) };
      written.set(key, side);
      ops.push({ type: "put", sublevel: this.refs, key, value: side } as BatchOp);
      if (link.eventId !== undefined) ops.push({ type: "put", sublevel: this.events, key: link.eventId, value: link } as BatchOp);
      if (isRoomKind(link.ref.kind)) ops.push({ type: "put", sublevel: this.rooms, key: link.roomId, value: link.ref } as BatchOp);
    }
    return ops;
  }
}

/** References whose Matrix side is a whole room, found again by `byRoom`. */
const isRoomKind = (kind: string) => kind === "room" || kind === "blog";
