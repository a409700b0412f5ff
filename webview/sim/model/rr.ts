/**
 * Round-robin station for one process's GIL under CPython's switch interval: only the head
 * thread runs (at the process's core share); when another thread waits, the head keeps the GIL
 * for at most `quantum` ms of running time before it is forced to drop it and queue again. A
 * thread that blocks (I/O, a query) releases the GIL at once. With a single thread there is no
 * forced switch. This is the "convoy effect": an I/O-bound thread coming back from a query
 * waits up to a quantum behind a CPU-bound thread instead of sharing the core.
 */
export class RrStation {
  private req: Int32Array;
  private rem: Float64Array;
  private head = 0;
  n = 0;
  /** Running time the head may still use before a forced switch (Infinity when alone). */
  private qLeft = Infinity;
  private lastT = 0;
  /** Service rate of the head job (work ms per real ms). */
  rate = 1;
  gen = 0;

  constructor(readonly quantum: number, capacity = 8) {
    this.req = new Int32Array(capacity);
    this.rem = new Float64Array(capacity);
  }

  private at(i: number): number {
    return (this.head + i) % this.req.length;
  }

  advance(now: number): void {
    if (this.n > 0) {
      const done = (now - this.lastT) * this.rate;
      this.rem[this.head] -= done;
      this.qLeft -= done;
    }
    this.lastT = now;
  }

  add(now: number, r: number, work: number): void {
    this.advance(now);
    if (this.n === this.req.length) {
      const cap = this.n * 2;
      const req = new Int32Array(cap), rem = new Float64Array(cap);
      for (let i = 0; i < this.n; i++) { req[i] = this.req[this.at(i)]; rem[i] = this.rem[this.at(i)]; }
      this.req = req; this.rem = rem; this.head = 0;
    }
    const i = this.at(this.n++);
    this.req[i] = r;
    this.rem[i] = work;
    // A second thread starts waiting: the holder now has one switch interval left.
    if (this.n === 2) this.qLeft = this.quantum;
  }

  /** Real time of the next event: the head finishes or its quantum runs out. */
  nextCompletion(now: number): number {
    const left = Math.max(0, Math.min(this.rem[this.head], this.qLeft));
    return now + left / this.rate;
  }

  /** At the event time: the finished request, or -1 when the head was rotated to the back. */
  popFirst(): number {
    const h = this.head;
    if (this.rem[h] <= this.qLeft + 1e-9) {
      const r = this.req[h];
      this.head = (h + 1) % this.req.length;
      this.n--;
      this.qLeft = this.n > 1 ? this.quantum : Infinity;
      return r;
    }
    const r = this.req[h], w = this.rem[h];
    this.head = (h + 1) % this.req.length;
    const tail = this.at(this.n - 1);
    this.req[tail] = r;
    this.rem[tail] = w;
    this.qLeft = this.quantum;
    return -1;
  }

  remove(now: number, r: number): boolean {
    this.advance(now);
    for (let i = 0; i < this.n; i++) {
      if (this.req[this.at(i)] !== r) continue;
      for (let j = i; j < this.n - 1; j++) {
        this.req[this.at(j)] = this.req[this.at(j + 1)];
        this.rem[this.at(j)] = this.rem[this.at(j + 1)];
      }
      this.n--;
      if (i === 0) this.qLeft = this.n > 1 ? this.quantum : Infinity;
      else if (this.n === 1) this.qLeft = Infinity;
      return true;
    }
    return false;
  }
}
