import type { OutboxEntryInput } from "../platform/ports/Outbox.js";
import type { ParkedEvent, UndecryptableEvents } from "../platform/ports/UndecryptableEvents.js";
import { jsonSublevel, Mutex, type BatchOp, type JsonSublevel, type RootLevel } from "./LevelDatabase.js";
import type { LevelOutbox } from "./LevelOutbox.js";
import { SUBLEVELS } from "./keys.js";

export class LevelUndecryptableEvents implements UndecryptableEvents {
  private readonly events: JsonSublevel<ParkedEvent>;
  private readonly mutex = new Mutex();

  constructor(
    private readonly db: RootLevel,
    private readonly outbox: LevelOutbox,
  ) {
    this.events = jsonSublevel<ParkedEvent>(db, SUBLEVELS.undecryptable);
  }

  park(event: ParkedEvent): Promise<void> {
    return this.mutex.run(async () => {
      if ((await this.events.get(event.eventId)) === undefined) await this.events.put(event.eventId, event);
    });
  }

  list(limit: number): Promise<ParkedEvent[]> {
    return this.events.values({ limit }).all();
  }

  recordAttempt(eventId: string): Promise<void> {
    return this.mutex.run(async () => {
      const event = await this.events.get(eventId);
      if (event) await this.events.put(eventId, { ...event, attempts: event.attempts + 1 });
    });
  }

  resolve(eventId: string, effects: readonly OutboxEntryInput[]): Promise<void> {
    return this.outbox.withLock(() =>
      this.mutex.run(async () => {
        const ops = await this.outbox.enqueueOps(effects, Date.now());
        ops.push({ type: "del", sublevel: this.events, key: eventId } as BatchOp);
        await this.db.batch(ops);
      }),
    );
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.events.keys()) n += 1;
    return n;
  }
}
