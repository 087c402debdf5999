/**
 * One timer for "wake me at the earliest of these moments": asking for a later moment than
 * the one already set changes nothing, an earlier one replaces it.
 */
export class WakeTimer {
  private timer: NodeJS.Timeout | undefined;
  private due = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly wake: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  at(time: number): void {
    if (this.stopped || time >= this.due) return;
    this.clear();
    this.due = time;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.due = Number.POSITIVE_INFINITY;
        this.wake();
      },
      Math.max(0, time - this.now()),
    );
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.due = Number.POSITIVE_INFINITY;
  }
}
