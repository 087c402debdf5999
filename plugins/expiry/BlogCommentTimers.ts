import type { PluginContext } from "../../src/plugins/pluginApi.js";

const timerKey = (owner: string) => `blog:${owner}`;

/**
 * Each blog's comment timer (ms), in the plugin's store, keyed by the owner's person ID. Not
 * published to Matrix: the blog room's `m.room.retention` would make the homeserver drop its posts too.
 */
export class BlogCommentTimers {
  constructor(private readonly ctx: Pick<PluginContext<unknown>, "store">) {}

  async get(owner: string): Promise<number | undefined> {
    return (await this.ctx.store.get<{ ms: number }>(timerKey(owner)))?.ms;
  }

  /** Sets the blog's timer (undefined: off). */
  async set(owner: string, ms: number | undefined): Promise<void> {
    if (ms === undefined) await this.ctx.store.delete(timerKey(owner));
    else await this.ctx.store.put(timerKey(owner), { ms });
  }
}
