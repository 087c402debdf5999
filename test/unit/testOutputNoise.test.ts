import { afterEach, describe, expect, it, vi } from "vitest";
import { logger as sdkGlobalLogger } from "matrix-js-sdk/lib/logger.js";
import { heldSdkLog, quietLogger, quietSdkGlobalLogger } from "../e2e/harness/quietLogger.js";

/** Everything written to stderr or the console while `emit` runs and its warnings are delivered. */
async function output(emit: () => void): Promise<string> {
  const written: string[] = [];
  const capture = (...args: unknown[]) => void written.push(args.map(String).join(" "));
  const spies = [
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => (capture(chunk), true)),
    vi.spyOn(console, "error").mockImplementation(capture),
    vi.spyOn(console, "warn").mockImplementation(capture),
    vi.spyOn(console, "log").mockImplementation(capture),
  ];
  try {
    emit();
    // Warnings are delivered on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written.join("\n");
}

describe("test output stays quiet", () => {
  afterEach(() => {
    heldSdkLog.length = 0;
  });

  it("drops the DEP0060 util._extend deprecation in test workers and still prints other warnings", async () => {
    expect(await output(() => process.emitWarning("The `util._extend` API is deprecated.", "DeprecationWarning", "DEP0060"))).toBe("");
    expect(await output(() => process.emitWarning("something else", "Warning", "MIRAGE_TEST_WARNING"))).toContain("MIRAGE_TEST_WARNING");
  });

  it("holds matrix-js-sdk's warnings instead of printing them", async () => {
    const printed = await output(() => {
      quietLogger("[@alice:localhost]").warn("Adding default global override push rule");
      quietLogger("[@alice:localhost]").getChild("[crypto]").error("Error decrypting event");
      quietLogger("[@alice:localhost]").debug("chatter");
      quietSdkGlobalLogger();
      sdkGlobalLogger.warn("Error decrypting event (id=$x)");
      sdkGlobalLogger.info("chatter");
      sdkGlobalLogger.getChild("[child]").warn("child warning");
    });
    expect(printed).toBe("");
    expect(heldSdkLog).toEqual([
      "[@alice:localhost] Adding default global override push rule",
      "[@alice:localhost][[crypto]] Error decrypting event",
      "Error decrypting event (id=$x)",
      "[child] child warning",
    ]);
  });
});
