import type { MatrixUserId } from "../platform/ids.js";
import type { MatrixProfileRecord, MatrixProfileRecords } from "../platform/ports/MatrixProfileRecords.js";
import { jsonSublevel, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { SUBLEVELS } from "./keys.js";

/** Cached Matrix profiles, one record per user ID. */
export class LevelMatrixProfiles implements MatrixProfileRecords {
  private readonly sub: JsonSublevel<MatrixProfileRecord>;

  constructor(db: RootLevel) {
    this.sub = jsonSublevel<MatrixProfileRecord>(db, SUBLEVELS.matrixProfiles);
  }

  getMany(userIds: readonly MatrixUserId[]): Promise<(MatrixProfileRecord | undefined)[]> {
    return userIds.length === 0 ? Promise.resolve([]) : this.sub.getMany([...userIds]);
  }

  put(record: MatrixProfileRecord): Promise<void> {
    return this.sub.put(record.userId, record);
  }
}
