/**
 * FIFO wait queue of request ids (ring buffer). Entries remember the request's epoch so an
 * entry whose request was aborted (worker timeout) is skipped lazily instead of searched for.
 */
export class Fifo {
  private ids: Int32Array;
  private eps: Int32Array;
  private head = 0;
  private len = 0;
  /** Entries that still belong to a live request. */
  live = 0;

  constructor(capacity = 8) {
    this.ids = new Int32Array(capacity);
    this.eps = new Int32Array(capacity);
  }

  push(req: number, epoch: number): void {
    const cap = this.ids.length;
    if (this.len === cap) {
      const ids = new Int32Array(cap * 2);
      const eps = new Int32Array(cap * 2);
      for (let i = 0; i < this.len; i++) {
        ids[i] = this.ids[(this.head + i) % cap];
        eps[i] = this.eps[(this.head + i) % cap];
      }
      this.ids = ids; this.eps = eps; this.head = 0;
    }
    const at = (this.head + this.len) % this.ids.length;
    this.ids[at] = req;
    this.eps[at] = epoch;
    this.len++;
    this.live++;
  }

  /** Oldest live request, or -1. `epochs` is the request-epoch table. */
  shift(epochs: Int32Array): number {
    while (this.len > 0) {
      const req = this.ids[this.head];
      const ep = this.eps[this.head];
      this.head = (this.head + 1) % this.ids.length;
      this.len--;
      if (epochs[req] === ep) {
        this.live--;
        return req;
      }
    }
    return -1;
  }

  /** A waiting request was aborted: its entry stays but no longer counts. */
  cancelOne(): void {
    this.live--;
  }
}
