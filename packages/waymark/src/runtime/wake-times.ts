/**
 * The times at which runs this worker parked become due, earliest first: a binary min-heap,
 * so a worker with many sleeping runs pays O(log n) per parked run, not a scan of all of
 * them (and never spreads a huge array into Math.min, which throws past ~100k elements).
 */
export class WakeTimes {
  private readonly heap: number[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The earliest time, or null when there is none. */
  peek(): number | null {
    return this.heap[0] ?? null;
  }

  add(time: number): void {
    const heap = this.heap;
    heap.push(time);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as number;
      if (above <= time) return;
      heap[i] = above;
      heap[parent] = time;
      i = parent;
    }
  }

  /** Removes every time up to and including `time`. */
  dropUntil(time: number): void {
    while (this.heap.length > 0 && (this.heap[0] as number) <= time) this.removeFirst();
  }

  private removeFirst(): void {
    const heap = this.heap;
    const last = heap.pop() as number;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && (heap[left] as number) < (heap[smallest] as number))
        smallest = left;
      if (right < heap.length && (heap[right] as number) < (heap[smallest] as number)) {
        smallest = right;
      }
      if (smallest === i) return;
      heap[i] = heap[smallest] as number;
      heap[smallest] = last;
      i = smallest;
    }
  }
}
