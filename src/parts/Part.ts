/**
 * One piece of a running Mirage (store, platform, matrix side, API; later the bridge and
 * plugins), built by the composition root from its explicit inputs.
 *
 * Building a part may already hold resources (an open database, worker threads); `stop()`
 * releases whatever the part holds, so it is safe after a failed `start()` or with none at all.
 */
export interface Part {
  /** Called once, after every part built before it has started. */
  start(): Promise<void>;
  /** Called at most once, in reverse build order; undoes what the part did, and nothing it did not. */
  stop(): Promise<void>;
}
