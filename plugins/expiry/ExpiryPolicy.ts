/** When a message's time starts: when it is sent, or once every other member has read it. */
export type ExpiryMode = "after_send" | "after_read";

/** A room's disappearing-messages setting; a room without one keeps its messages. */
export interface ExpiryPolicy {
  mode: ExpiryMode;
  ms: number;
}

/** State event types the policy is published as (and read from, when set in a Matrix client). */
export const RETENTION = "m.room.retention";
export const DISAPPEARING_TIMER = "com.beeper.disappearing_timer";

/** `m.room.retention` content: `max_lifetime` in milliseconds (what Synapse reads); `{}` when off. */
export function retentionContent(policy: ExpiryPolicy | undefined): Record<string, unknown> {
  return policy ? { max_lifetime: policy.ms } : {};
}

/** `com.beeper.disappearing_timer` content: `{type, timer}` in milliseconds; `{}` when off. */
export function timerContent(policy: ExpiryPolicy | undefined): Record<string, unknown> {
  return policy ? { type: policy.mode, timer: policy.ms } : {};
}

/**
 * The policy a Matrix state event sets: null for off (empty content or no lifetime), undefined for
 * content that says nothing usable (left as it is). A retention change keeps the room's mode.
 */
export function policyFromState(type: string, content: Record<string, unknown>, current: ExpiryPolicy | undefined): ExpiryPolicy | null | undefined {
  if (type === RETENTION) {
    const ms = content["max_lifetime"];
    if (ms === undefined || ms === null) return null;
    return validMs(ms) ? { mode: current?.mode ?? "after_send", ms } : undefined;
  }
  if (type === DISAPPEARING_TIMER) {
    const { type: mode, timer } = content as { type?: unknown; timer?: unknown };
    if (mode === undefined && (timer === undefined || timer === 0)) return null;
    return (mode === "after_send" || mode === "after_read") && validMs(timer) ? { mode, ms: timer } : undefined;
  }
  return undefined;
}

export function samePolicy(a: ExpiryPolicy | undefined, b: ExpiryPolicy | undefined): boolean {
  return a?.mode === b?.mode && a?.ms === b?.ms;
}

const validMs = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value > 0;
