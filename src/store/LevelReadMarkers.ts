import type { ReadMarker, ReadMarkerRepository } from "../platform/chat/ReadMarker.js";
import type { RoomId } from "../platform/ids.js";
import type { PersonId } from "../platform/people/Person.js";
import type { JournalRecords } from "../platform/ports/Journal.js";
import type { LevelJournal } from "./LevelJournal.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { compositeKey, prefixRange, SUBLEVELS } from "./keys.js";

/**
 * Read markers by (room, member). Every marker write runs under this repository's lock, including
 * those the message and room repositories put in their own batches (`withLock` + `putOp`/`dropOp`),
 * so a marker never moves back through a race between reading and sending.
 */
export class LevelReadMarkers implements ReadMarkerRepository {
  private readonly markers: JsonSublevel<ReadMarker>;
  private readonly mutex = new Mutex();

  constructor(
    db: RootLevel,
    private readonly journal: LevelJournal,
  ) {
    this.markers = jsonSublevel<ReadMarker>(db, SUBLEVELS.readMarkers);
  }

  get(roomId: RoomId, member: PersonId): Promise<ReadMarker | undefined> {
    return this.markers.get(compositeKey(roomId, member));
  }

  ofRoom(roomId: RoomId): Promise<ReadMarker[]> {
    return this.markers.values(prefixRange(roomId)).all();
  }

  advance(marker: ReadMarker, events?: JournalRecords, mayRead?: () => Promise<boolean>): Promise<boolean> {
    return this.mutex.run(async () => {
      const current = await this.get(marker.roomId, marker.member);
      if (current && current.seq >= marker.seq) return false;
      if (mayRead && !(await mayRead())) return false;
      await this.journal.commit([this.putOp(marker)], events);
      return true;
    });
  }

  /** Runs `fn` (which commits a batch holding `putOp`/`dropOp` operations) with other marker writes held off. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  /** Sets the marker unconditionally: for a message just appended, which is after every marker of its room. Call inside `withLock`. */
  putOp(marker: ReadMarker): BatchOp {
    return { type: "put", sublevel: this.markers, key: compositeKey(marker.roomId, marker.member), value: marker } as BatchOp;
  }

  dropOp(roomId: RoomId, member: PersonId): BatchOp {
    return { type: "del", sublevel: this.markers, key: compositeKey(roomId, member) } as BatchOp;
  }
}

