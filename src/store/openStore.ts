import { mkdir } from "node:fs/promises";
import { Level } from "level";
import type { SessionRepository } from "../platform/accounts/Account.js";
import type { KeyValueStore } from "../platform/ports/KeyValueStore.js";
import type { Outbox } from "../platform/ports/Outbox.js";
import type { TransactionInbox } from "../platform/ports/TransactionInbox.js";
import type { UndecryptableEvents } from "../platform/ports/UndecryptableEvents.js";
import type { RootLevel } from "./LevelDatabase.js";
import { LevelAccounts } from "./LevelAccounts.js";
import { LevelBlogs } from "./LevelBlogs.js";
import { LevelComments } from "./LevelComments.js";
import { LevelPosts } from "./LevelPosts.js";
import { LevelReactions } from "./LevelReactions.js";
import { LevelKeyValueStore } from "./LevelKeyValueStore.js";
import { LevelMatrixProfiles } from "./LevelMatrixProfiles.js";
import type { MatrixProfileRecords } from "../platform/ports/MatrixProfileRecords.js";
import { LevelMessages } from "./LevelMessages.js";
import { LevelMessagePurge } from "./LevelMessagePurge.js";
import { LevelCommentPurge } from "./LevelCommentPurge.js";
import { LevelRooms } from "./LevelRooms.js";
import { LevelReadMarkers } from "./LevelReadMarkers.js";
import { LevelSessions } from "./LevelSessions.js";
import { LevelOutbox } from "./LevelOutbox.js";
import { LevelIdMapping } from "./LevelIdMapping.js";
import type { IdMapping } from "../platform/ports/IdMapping.js";
import { LevelRoomLanes } from "./LevelRoomLanes.js";
import { LevelDeadLetters } from "./LevelDeadLetters.js";
import { LevelJournal } from "./LevelJournal.js";
import type { Journal } from "../platform/ports/Journal.js";
import type { RoomLanes } from "../platform/ports/RoomLanes.js";
import type { DeadLetters } from "../platform/ports/DeadLetters.js";
import { LevelTransactionInbox } from "./LevelTransactionInbox.js";
import { LevelUndecryptableEvents } from "./LevelUndecryptableEvents.js";
import { LevelEncryptedMedia } from "./LevelEncryptedMedia.js";
import type { EncryptedMediaStore } from "../platform/ports/EncryptedMedia.js";
import { ErrorCodes, MirageError } from "../platform/errors/MirageError.js";
import type { PlatformRepositories } from "../platform/createPlatformServices.js";
import type { PluginStorages } from "../plugins/PluginStorage.js";
import { LevelPluginStorages } from "./LevelPluginStorages.js";

/** Every repository Mirage uses, over one database. */
export interface Store extends PlatformRepositories {
  inbox: TransactionInbox;
  lanes: RoomLanes;
  deadLetters: DeadLetters;
  outbox: Outbox;
  idMapping: IdMapping;
  kv: KeyValueStore;
  /** The cache of Matrix users' profiles. */
  matrixProfiles: MatrixProfileRecords;
  undecryptable: UndecryptableEvents;
  /** Keys of encrypted attachments imported from Matrix, by Mirage media reference. */
  encryptedMedia: EncryptedMediaStore;
  sessions: SessionRepository;
  /** Domain events, each committed in the batch of its change. */
  journal: Journal;
  /** Each plugin's own data and persisted jobs. */
  plugins: PluginStorages;
  close(): Promise<void>;
}

/** Builds the repositories over an already-open abstract-level database (level, memory-level, …). */
export function storeOver(db: RootLevel): Store {
  const idMapping = new LevelIdMapping(db);
  const outbox = new LevelOutbox(db, idMapping);
  const lanes = new LevelRoomLanes(db, outbox);
  const journal = new LevelJournal(db, idMapping);
  const deadLetters = new LevelDeadLetters(db, lanes, outbox, journal);
  const readMarkers = new LevelReadMarkers(db, journal);
  const messages = new LevelMessages(db, journal, readMarkers);
  const reactions = new LevelReactions(db, journal);
  const comments = new LevelComments(db, journal);
  const messagePurge = new LevelMessagePurge(db, { messages, reactions, outbox, mapping: idMapping, journal, deadLetters });
  return {
    inbox: new LevelTransactionInbox(db, lanes),
    lanes,
    deadLetters,
    outbox,
    idMapping,
    kv: new LevelKeyValueStore(db),
    matrixProfiles: new LevelMatrixProfiles(db),
    undecryptable: new LevelUndecryptableEvents(db, outbox),
    encryptedMedia: new LevelEncryptedMedia(db),
    journal,
    accounts: new LevelAccounts(db, journal),
    sessions: new LevelSessions(db),
    rooms: new LevelRooms(db, journal, readMarkers),
    messages,
    readMarkers,
    blogs: new LevelBlogs(db, journal),
    posts: new LevelPosts(db, journal),
    comments,
    reactions,
    messagePurge,
    commentPurge: new LevelCommentPurge({ comments, reactions, outbox, mapping: idMapping, journal, deadLetters }, messagePurge),
    plugins: new LevelPluginStorages(db),
    close: () => db.close(),
  };
}

/** Opens the embedded level database at `path` (creating it), failing clearly if another process holds it. */
export async function openLevelStore(path: string): Promise<Store> {
  await mkdir(path, { recursive: true });
  // Uncompressed: what is stored can be checked for by scanning the files (an expired message must leave no trace there).
  const db = new Level<string, unknown>(path, { valueEncoding: "json", compression: false });
  try {
    await db.open();
  } catch (error) {
    const locked = String((error as { cause?: { code?: string } }).cause?.code ?? "").includes("LOCKED");
    throw new MirageError(
      ErrorCodes.invalidConfig,
      locked ? `store ${path} is in use by another Mirage process` : `store ${path} cannot be opened`,
      { cause: error },
    );
  }
  return storeOver(db as unknown as RootLevel);
}
