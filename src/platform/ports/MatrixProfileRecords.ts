import type { MatrixUserId } from "../ids.js";
import type { MatrixProfile } from "./MatrixProfiles.js";

/** One cached Matrix profile, or the memory that none could be had. */
export interface MatrixProfileRecord {
  userId: MatrixUserId;
  /** Absent: none known (the homeserver has none, or none could be fetched yet). */
  profile?: MatrixProfile;
  /** When `profile` was known to be current: the start of the fetch that got it, or the member event that carried it. */
  confirmedAt: number;
  /** Until then the record is served without asking the homeserver again. */
  freshUntil: number;
}

/** The durable cache behind `MatrixProfiles`: records by user, surviving restarts. */
export interface MatrixProfileRecords {
  /** The records of `userIds`, in order (undefined where none). */
  getMany(userIds: readonly MatrixUserId[]): Promise<(MatrixProfileRecord | undefined)[]>;
  put(record: MatrixProfileRecord): Promise<void>;
}
