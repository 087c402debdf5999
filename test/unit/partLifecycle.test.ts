import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/createLogger.js";
import type { Part } from "../../src/parts/Part.js";
import { PartFailure } from "../../src/parts/PartFailure.js";
import { PartLifecycle } from "../../src/parts/PartLifecycle.js";

/** A part that records its calls in `log` and fails where told. */
function fakePart(name: string, log: string[], fail: { start?: boolean; stop?: boolean } = {}): Part {
  return {
    async start() {
      log.push(`start ${name}`);
      if (fail.start) throw new Error(`${name} refused to start`);
    },
    async stop() {
      log.push(`stop ${name}`);
      if (fail.stop) throw new Error(`${name} refused to stop`);
    },
  };
}

function logged() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

describe("the parts' lifecycle", () => {
  it("starts parts in build order and stops them in reverse, each once", async () => {
    const log: string[] = [];
    const parts = new PartLifecycle(createLogger("silent"));
    for (const name of ["store", "platform", "matrix", "api"]) await parts.build(name, () => fakePart(name, log));
    await parts.start();
    await parts.stop();
    await parts.stop();
    expect(log).toEqual(["start store", "start platform", "start matrix", "start api", "stop api", "stop matrix", "stop platform", "stop store"]);
  });

  it("when a part's start throws: starts nothing after it, stops every built part in reverse, throws naming the part", async () => {
    const log: string[] = [];
    const parts = new PartLifecycle(createLogger("silent"));
    await parts.build("store", () => fakePart("store", log));
    await parts.build("platform", () => fakePart("platform", log));
    await parts.build("matrix", () => fakePart("matrix", log, { start: true }));
    await parts.build("api", () => fakePart("api", log));

    const failure = await parts.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PartFailure);
    expect((failure as PartFailure).message).toBe("could not start the matrix part: matrix refused to start");
    expect((failure as PartFailure).part).toBe("matrix");
    expect((failure as PartFailure).phase).toBe("start");
    expect(((failure as PartFailure).cause as Error).message).toBe("matrix refused to start");
    // The failed part stops what it half-started; the api was built (it may hold resources) but never started.
    expect(log).toEqual(["start store", "start platform", "start matrix", "stop api", "stop matrix", "stop platform", "stop store"]);

    // A later stop (as the CLI's shutdown would) stops nothing twice.
    await parts.stop();
    expect(log).toHaveLength(7);
  });

  it("when a part's stop throws: the remaining parts are still stopped, every failure is reported and logged", async () => {
    const log: string[] = [];
    const { lines, logger } = logged();
    const parts = new PartLifecycle(logger);
    await parts.build("store", () => fakePart("store", log));
    await parts.build("platform", () => fakePart("platform", log, { stop: true }));
    await parts.build("matrix", () => fakePart("matrix", log));
    await parts.build("api", () => fakePart("api", log, { stop: true }));
    await parts.start();
    log.length = 0;

    const failure = await parts.stop().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(log).toEqual(["stop api", "stop matrix", "stop platform", "stop store"]);
    expect(failure).toBeInstanceOf(AggregateError);
    const failures = (failure as AggregateError).errors as PartFailure[];
    expect(failures.map((f) => [f.part, f.phase])).toEqual([
      ["api", "stop"],
      ["platform", "stop"],
    ]);
    expect((failure as Error).message).toBe("could not stop the api part: api refused to stop; could not stop the platform part: platform refused to stop");
    expect(lines.filter((l) => l.msg === "part failed to stop").map((l) => l.part)).toEqual(["api", "platform"]);
  });

  it("one part failing to stop is thrown as that part's failure", async () => {
    const log: string[] = [];
    const parts = new PartLifecycle(createLogger("silent"));
    await parts.build("store", () => fakePart("store", log));
    await parts.build("api", () => fakePart("api", log, { stop: true }));
    await expect(parts.stop()).rejects.toThrow(new PartFailure("api", "stop", new Error("api refused to stop")).message);
    expect(log).toEqual(["stop api", "stop store"]);
  });

  it("when a part fails to build: the parts built before it are stopped and the failure names it", async () => {
    const log: string[] = [];
    const parts = new PartLifecycle(createLogger("silent"));
    await parts.build("store", () => fakePart("store", log));
    await parts.build("platform", () => fakePart("platform", log));
    await expect(
      parts.build("matrix", async () => {
        throw new Error("bad registration");
      }),
    ).rejects.toThrow("could not build the matrix part: bad registration");
    expect(log).toEqual(["stop platform", "stop store"]);
  });

  it("a start failure is reported even when stopping after it fails too", async () => {
    const log: string[] = [];
    const { lines, logger } = logged();
    const parts = new PartLifecycle(logger);
    await parts.build("store", () => fakePart("store", log, { stop: true }));
    await parts.build("api", () => fakePart("api", log, { start: true }));
    await expect(parts.start()).rejects.toThrow("could not start the api part: api refused to start");
    expect(log).toEqual(["start store", "start api", "stop api", "stop store"]);
    expect(lines.some((l) => l.msg === "part failed to stop" && l.part === "store")).toBe(true);
  });
});
