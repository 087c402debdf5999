import type { PluginContext } from "../../src/plugins/pluginApi.js";
import { DISAPPEARING_TIMER, RETENTION, retentionContent, samePolicy, timerContent, type ExpiryPolicy } from "./ExpiryPolicy.js";

const policyKey = (roomId: string) => `policy:${roomId}`;

/**
 * Each platform room's policy, in the plugin's store, published to its portal as both state events
 * Matrix clients read (`m.room.retention`, `com.beeper.disappearing_timer`).
 */
export class ExpiryPolicies {
  constructor(private readonly ctx: Pick<PluginContext<unknown>, "store" | "matrix">) {}

  get(roomId: string): Promise<ExpiryPolicy | undefined> {
    return this.ctx.store.get<ExpiryPolicy>(policyKey(roomId));
  }

  /**
   * Stores the room's policy (undefined: off) and publishes the state events that do not already
   * say it (`except`: the one a Matrix user just set). Resolves whether anything changed.
   */
  async set(roomId: string, policy: ExpiryPolicy | undefined, except?: string): Promise<boolean> {
    const current = await this.get(roomId);
    if (samePolicy(current, policy)) return false;
    if (policy) await this.ctx.store.put(policyKey(roomId), policy);
    else await this.ctx.store.delete(policyKey(roomId));
    const room = { roomId };
    if (except !== RETENTION) await this.ctx.matrix.setState(room, RETENTION, "", retentionContent(policy));
    if (except !== DISAPPEARING_TIMER) await this.ctx.matrix.setState(room, DISAPPEARING_TIMER, "", timerContent(policy));
    return true;
  }
}
