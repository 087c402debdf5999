import { type Logger, logger as sdkGlobalLogger } from 'matrix-js-sdk/lib/logger.js';

/** matrix-js-sdk logger that keeps warnings and errors and drops the chatter below them. */
export function quietLogger(prefix: string): Logger {
  const noop = (): void => {};
  return {
    trace: noop,
    debug: noop,
    info: noop,
    warn: (...msg: unknown[]) => console.warn(prefix, ...msg),
    error: (...msg: unknown[]) => console.error(prefix, ...msg),
    getChild: (namespace: string) => quietLogger(`${prefix}[${namespace}]`),
  };
}

/**
 * Quiets the SDK's module-level logger, used where no client logger is at hand. It is a loglevel
 * logger whose children start at debug level whatever the parent's level, so children are replaced too.
 */
export function quietSdkGlobalLogger(): void {
  (sdkGlobalLogger as unknown as { setLevel(level: 'warn', persist: boolean): void }).setLevel('warn', false);
  sdkGlobalLogger.getChild = (namespace: string) => quietLogger(namespace);
}
