import { afterAll, beforeEach } from "vitest";
import { heldSdkLog } from "../e2e/harness/quietLogger.js";

// matrix-js-sdk's warnings are noise when a test passes and a clue when it fails.
let testsStarted = 0;

const show = (title: string): void => {
  if (heldSdkLog.length === 0) return;
  process.stderr.write(`--- matrix-js-sdk log ${title} ---\n${heldSdkLog.join("\n")}\n`);
  heldSdkLog.length = 0;
};

beforeEach((context) => {
  testsStarted++;
  heldSdkLog.length = 0;
  context.onTestFailed(() => show(`during "${context.task.name}"`));
});

// No test ran (a failing beforeAll): what the SDK said while setting up.
afterAll(() => {
  if (testsStarted === 0) show("while setting up");
  heldSdkLog.length = 0;
});
