import type { Logger } from "../log/createLogger.js";
import type { Part } from "./Part.js";
import { PartFailure } from "./PartFailure.js";

interface Entry {
  name: string;
  part: Part;
  stopped: boolean;
}

/**
 * Builds parts in order, starts them in order and stops them in reverse. A failure while building
 * or starting stops every part built so far (each releases only what it holds) and is thrown as a
 * `PartFailure`; a failure while stopping does not skip the remaining stops. Not re-entrant:
 * the composition root calls build, start and stop one after the other.
 */
export class PartLifecycle {
  private readonly entries: Entry[] = [];

  constructor(private readonly logger: Logger) {}

  /** Builds the part named `name`; its `stop()` is then owed, whatever happens next. */
  async build<T extends Part>(name: string, factory: () => T | Promise<T>): Promise<T> {
    let part: T;
    try {
      part = await factory();
    } catch (error) {
      await this.stopAfterFailure();
      throw new PartFailure(name, "build", error);
    }
    this.entries.push({ name, part, stopped: false });
    return part;
  }

  /** Starts every part in build order; if one throws, stops them all, then throws. */
  async start(): Promise<void> {
    for (const entry of this.entries) {
      try {
        await entry.part.start();
      } catch (error) {
        // The failed part too: it may have done half of its start.
        await this.stopAfterFailure();
        throw new PartFailure(entry.name, "start", error);
      }
    }
  }

  /** Stops every part not stopped yet, in reverse build order; throws what failed once all were tried. */
  async stop(): Promise<void> {
    const failures: PartFailure[] = [];
    for (const entry of [...this.entries].reverse()) {
      if (entry.stopped) continue;
      entry.stopped = true;
      try {
        await entry.part.stop();
      } catch (error) {
        this.logger.error({ err: error, part: entry.name }, "part failed to stop");
        failures.push(new PartFailure(entry.name, "stop", error));
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, failures.map((f) => f.message).join("; "));
  }

  /** The failure being reported is the first one; stop failures are logged by `stop()`. */
  private async stopAfterFailure(): Promise<void> {
    await this.stop().catch(() => undefined);
  }
}
