import type { MemberId, MembershipRecord, Room, RoomRepository } from "../platform/chat/Room.js";
import type { RoomId } from "../platform/ids.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { LevelJournal } from "./LevelJournal.js";
import type { LevelReadMarkers } from "./LevelReadMarkers.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { compositeKey, prefixRange, SUBLEVELS } from "./keys.js";

/** Rooms; memberships by room and (index) by member; the DM index by member pair. A member who leaves or is removed loses their read marker in the same batch. */
export class LevelRooms implements RoomRepository {
  private readonly rooms: JsonSublevel<Room>;
  private readonly byRoom: JsonSublevel<MembershipRecord>;
  private readonly byMember: JsonSublevel<MembershipRecord>;
  private readonly dms: JsonSublevel<RoomId>;
  private readonly mutex = new Mutex();

  constructor(
    db: RootLevel,
    private readonly journal: LevelJournal,
    private readonly markers: LevelReadMarkers,
  ) {
    this.rooms = jsonSublevel<Room>(db, SUBLEVELS.rooms);
    this.byRoom = jsonSublevel<MembershipRecord>(db, SUBLEVELS.roomMembers);
    this.byMember = jsonSublevel<MembershipRecord>(db, SUBLEVELS.memberRooms);
    this.dms = jsonSublevel<RoomId>(db, SUBLEVELS.dms);
  }

  create(room: Room, memberships: readonly MembershipRecord[], dmPair?: readonly [MemberId, MemberId], events?: JournalRecords): Promise<void> {
    return this.mutex.run(async () => {
      const ops: BatchOp[] = [{ type: "put", sublevel: this.rooms, key: room.id, value: room } as BatchOp];
      for (const m of memberships) ops.push(...this.membershipOps(m));
      if (dmPair) ops.push({ type: "put", sublevel: this.dms, key: dmKey(...dmPair), value: room.id } as BatchOp);
      await this.journal.commit(ops, events);
    });
  }

  get(id: RoomId): Promise<Room | undefined> {
    return this.rooms.get(id);
  }

  setMembership(record: MembershipRecord, events?: JournalRecords): Promise<void> {
    if (record.membership === "join" || record.membership === "invite") return this.mutex.run(() => this.journal.commit(this.membershipOps(record), events));
    const ops = [...this.membershipOps(record), this.markers.dropOp(record.roomId, record.member)];
    return this.mutex.run(() => this.markers.withLock(() => this.journal.commit(ops, events)));
  }

  membership(roomId: RoomId, member: MemberId): Promise<MembershipRecord | undefined> {
    return this.byRoom.get(compositeKey(roomId, member));
  }

  members(roomId: RoomId): Promise<MembershipRecord[]> {
    return this.byRoom.values(prefixRange(roomId)).all();
  }

  async roomsOf(member: MemberId): Promise<MembershipRecord[]> {
    const all = await this.byMember.values(prefixRange(member)).all();
    return all.filter((m) => m.membership === "join" || m.membership === "invite").sort((a, b) => b.at - a.at);
  }

  findDm(a: MemberId, b: MemberId): Promise<RoomId | undefined> {
    return this.dms.get(dmKey(a, b));
  }

  /** The record and its index entry, always together. */
  private membershipOps(m: MembershipRecord): BatchOp[] {
    return [
      { type: "put", sublevel: this.byRoom, key: compositeKey(m.roomId, m.member), value: m } as BatchOp,
      { type: "put", sublevel: this.byMember, key: compositeKey(m.member, m.roomId), value: m } as BatchOp,
    ];
  }
}

function dmKey(a: MemberId, b: MemberId): string {
  return a < b ? compositeKey(a, b) : compositeKey(b, a);
}
