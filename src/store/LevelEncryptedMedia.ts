import type { EncryptedMediaRecord, EncryptedMediaStore } from "../platform/ports/EncryptedMedia.js";
import { jsonSublevel, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import { SUBLEVELS } from "./keys.js";

/** Encrypted attachments' keys by Mirage media reference. */
export class LevelEncryptedMedia implements EncryptedMediaStore {
  private readonly records: JsonSublevel<EncryptedMediaRecord>;

  constructor(db: RootLevel) {
    this.records = jsonSublevel<EncryptedMediaRecord>(db, SUBLEVELS.encryptedMedia);
  }

  put(record: EncryptedMediaRecord): Promise<void> {
    return this.records.put(record.id, record);
  }

  get(id: string): Promise<EncryptedMediaRecord | undefined> {
    return this.records.get(id);
  }
}
