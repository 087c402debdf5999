import type { BatchOp, RootLevel } from "./LevelDatabase.js";

/** The part of classic-level's API compaction needs; memory-level has none (nothing on disk to clean). */
interface Compactable {
  compactRange(start: string, end: string): Promise<void>;
}

/** Bounds of every key of the store: sublevel keys start with "!", which sorts between them. */
const BELOW_ALL = " ";
const ABOVE_ALL = "~";

/**
 * Compacts the whole database so that deleted and overwritten values leave its files. LevelDB
 * drops them only while rewriting a file into the level below, and a manual compaction rewrites
 * every level but the lowest one holding data: data that sits alone in one level (a small store,
 * or what a flush pushed down) would stay as it is. So each round first writes deletions of two
 * keys bracketing every key — nothing is stored under them — which makes the flushed memtable
 * overlap everything and the compaction cascade through every level; the second round rewrites
 * what the first flush pushed straight to an empty level. Runs off the event loop, one at a time:
 * requests made while one runs share a single next run.
 */
export class StoreCompactor {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private trailing: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: RootLevel,
    /** How long after a purge's compaction one more runs (see `compactAndSettle`). */
    private readonly settleMs = 15_000,
  ) {}

  /**
   * Compacts now, and once more `settleMs` later: copies that were in flight when the data was
   * deleted (the homeserver's echo of a send, retried transactions after a restart) pass through
   * the inbox and the write-ahead log after it, and leave the files only with a later compaction.
   * One trailing run is pending at a time; it does not keep the process alive.
   */
  compactAndSettle(): Promise<void> {
    if (this.trailing === undefined && this.settleMs > 0) {
      this.trailing = setTimeout(() => {
        this.trailing = undefined;
        this.compact().catch(() => undefined);
      }, this.settleMs);
      this.trailing.unref();
    }
    return this.compact();
  }

  compact(): Promise<void> {
    if (typeof (this.db as unknown as Partial<Compactable>).compactRange !== "function") return Promise.resolve();
    if (this.next) return this.next;
    if (!this.running) return (this.running = this.start());
    this.next = this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return (this.running = this.start());
      });
    return this.next;
  }

  private start(): Promise<void> {
    const done = this.rounds().finally(() => {
      if (this.running === done) this.running = undefined;
    });
    return done;
  }

  private async rounds(): Promise<void> {
    const db = this.db as unknown as RootLevel & Compactable;
    for (let round = 0; round < 2; round++) {
      if (db.status !== "open") return;
      await db.batch([{ type: "del", key: BELOW_ALL } as BatchOp, { type: "del", key: ABOVE_ALL } as BatchOp]);
      await db.compactRange(BELOW_ALL, ABOVE_ALL);
    }
  }
}
