import { format } from 'node:util';
import { type Logger, logger as sdkGlobalLogger } from 'matrix-js-sdk/lib/logger.js';

/**
 * matrix-js-sdk's warnings and errors during a test (default push rules added, an event that a
 * test made undecryptable on purpose, …). They are held and shown only for a failed test (see
 * `test/setup/sdkLogOnFailure.ts`); `MIRAGE_TEST_SDK_LOG=1` prints them as they come.
 */
export const heldSdkLog: string[] = [];
const HELD_LINES = 1_000;

function hold(...msg: unknown[]): void {
  if (process.env.MIRAGE_TEST_SDK_LOG === '1') {
    console.warn(...msg);
    return;
  }
  heldSdkLog.push(format(...msg));
  if (heldSdkLog.length > HELD_LINES) heldSdkLog.splice(0, heldSdkLog.length - HELD_LINES);
}

/** matrix-js-sdk logger that holds warnings and errors and drops the chatter below them. */
export function quietLogger(prefix: string): Logger {
  const noop = (): void => {};
  return {
    trace: noop,
    debug: noop,
    info: noop,
    warn: (...msg: unknown[]) => hold(prefix, ...msg),
    error: (...msg: unknown[]) => hold(prefix, ...msg),
    getChild: (namespace: string) => quietLogger(`${prefix}[${namespace}]`),
  };
}

interface LoglevelLogger {
  methodFactory: (method: string) => (...msg: unknown[]) => void;
  setLevel(level: 'warn', persist: boolean): void;
}

/**
 * Quiets the SDK's module-level logger, used where no client logger is at hand. It is a loglevel
 * logger whose children start at debug level whatever the parent's level, so children are replaced too.
 */
export function quietSdkGlobalLogger(): void {
  const global = sdkGlobalLogger as unknown as LoglevelLogger;
  global.methodFactory = () => hold;
  // setLevel rebuilds the methods with the factory above.
  global.setLevel('warn', false);
  sdkGlobalLogger.getChild = (namespace: string) => quietLogger(namespace);
}
