/** Something with a deadline, tracked by a {@link DeadlineQueue}. The queue owns `heapIndex`. */
export interface Scheduled {
  /** Absolute time, in the queue's clock, at which the item expires. */
  deadline: number;
  /** Position in the heap; -1 while not queued. */
  heapIndex: number;
}

// setTimeout's ceiling; longer waits are re-armed when the timer fires.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Expires many items with one timer: a binary min-heap on `deadline` and a single timer armed
 * for the earliest one. Adding and removing are O(log n); an idle item costs a heap slot, not a
 * timer. The timer is unref'd (pending deadlines alone do not keep the process alive) and
 * cleared when the queue empties.
 */
export class DeadlineQueue<T extends Scheduled> {
  private readonly heap: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;

  /**
   * @param onExpire called from the timer with the items whose deadline has passed, earliest
   *   first, after they have been removed from the queue.
   * @param now the clock deadlines are measured in.
   */
  constructor(
    private readonly onExpire: (expired: T[]) => void,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Whether a timer is currently armed (for stats and leak checks). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  add(item: T): void {
    item.heapIndex = this.heap.length;
    this.heap.push(item);
    this.siftUp(item.heapIndex);
    if (item.deadline < this.armedFor) this.arm();
  }

  /** Removes `item` if queued; no-op otherwise. Leaves the timer armed unless the queue is empty. */
  remove(item: T): void {
    const index = item.heapIndex;
    if (index < 0 || this.heap[index] !== item) return;
    item.heapIndex = -1;
    const last = this.heap.pop()!;
    if (last !== item) {
      this.heap[index] = last;
      last.heapIndex = index;
      this.siftDown(index);
      this.siftUp(last.heapIndex);
    }
    // An early wake-up for a removed head is harmless (the timer re-arms); an idle timer is not.
    if (this.heap.length === 0) this.disarm();
  }

  /** Removes every item without expiring it. */
  clear(): T[] {
    const items = this.heap.splice(0);
    for (const item of items) item.heapIndex = -1;
    this.disarm();
    return items;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.now();
    const expired: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.deadline <= now) expired.push(this.pop());
    if (this.heap.length > 0) this.arm();
    if (expired.length > 0) this.onExpire(expired);
  }

  private arm(): void {
    const first = this.heap[0];
    if (first === undefined) return this.disarm();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = first.deadline;
    const delay = Math.min(MAX_DELAY, Math.max(0, first.deadline - this.now()));
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref?.();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private pop(): T {
    const first = this.heap[0]!;
    const last = this.heap.pop()!;
    first.heapIndex = -1;
    if (last !== first) {
      this.heap[0] = last;
      last.heapIndex = 0;
      this.siftDown(0);
    }
    return first;
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.deadline <= item.deadline) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = item;
    item.heapIndex = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const item = heap[index]!;
    const half = heap.length >> 1;
    while (index < half) {
      let childIndex = 2 * index + 1;
      let child = heap[childIndex]!;
      const right = heap[childIndex + 1];
      if (right !== undefined && right.deadline < child.deadline) {
        childIndex++;
        child = right;
      }
      if (item.deadline <= child.deadline) break;
      heap[index] = child;
      child.heapIndex = index;
      index = childIndex;
    }
    heap[index] = item;
    item.heapIndex = index;
  }
}
