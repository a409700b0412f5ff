/**
 * Processor-sharing station tracked in "virtual time": every job in the station receives the
 * same service rate, so a job's finishing virtual time V_arrival + work is fixed when it
 * arrives and only the mapping from virtual to real time changes. The station therefore keeps
 * a min-heap of finishing virtual times and the owner schedules a single "next completion"
 * event, invalidated by bumping `gen` whenever the rate changes.
 */
export class PsStation {
  private f: Float64Array;
  private r: Int32Array;
  n = 0;
  /** Work (ms of service) each job has received since the station was last empty. */
  private v = 0;
  private lastT = 0;
  /** Service rate each job currently receives (work ms per real ms). */
  rate = 1;
  gen = 0;

  constructor(capacity = 16) {
    this.f = new Float64Array(capacity);
    this.r = new Int32Array(capacity);
  }

  advance(now: number): void {
    if (this.n > 0) this.v += (now - this.lastT) * this.rate;
    this.lastT = now;
  }

  add(now: number, req: number, work: number): void {
    this.advance(now);
    if (this.n === this.f.length) {
      const f = new Float64Array(this.n * 2); f.set(this.f); this.f = f;
      const r = new Int32Array(this.n * 2); r.set(this.r); this.r = r;
    }
    this.siftUp(this.n++, this.v + work, req);
  }

  /** Real time at which the next job finishes at the current rate. */
  nextCompletion(now: number): number {
    const rem = this.f[0] - this.v;
    return now + (rem > 0 ? rem / this.rate : 0);
  }

  /** Removes the job that finishes first (the caller has advanced to its completion event). */
  popFirst(): number {
    const req = this.r[0];
    // Snap virtual time to the finishing job so rounding never leaves it "almost done".
    if (this.f[0] > this.v) this.v = this.f[0];
    this.removeAt(0);
    if (this.n === 0) this.v = 0;
    return req;
  }

  /** Removes a job that is abandoned (request aborted); linear search, only on the rare abort path. */
  remove(now: number, req: number): boolean {
    this.advance(now);
    for (let i = 0; i < this.n; i++) {
      if (this.r[i] === req) {
        this.removeAt(i);
        if (this.n === 0) this.v = 0;
        return true;
      }
    }
    return false;
  }

  private removeAt(i: number): void {
    const last = --this.n;
    if (i === last) return;
    const lf = this.f[last], lr = this.r[last];
    // The moved element may need to go either way.
    if (i > 0 && lf < this.f[(i - 1) >> 1]) this.siftUp(i, lf, lr);
    else this.siftDown(i, lf, lr);
  }

  private siftUp(i: number, fv: number, req: number): void {
    const F = this.f, R = this.r;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (F[p] <= fv) break;
      F[i] = F[p]; R[i] = R[p];
      i = p;
    }
    F[i] = fv; R[i] = req;
  }

  private siftDown(i: number, fv: number, req: number): void {
    const F = this.f, R = this.r, n = this.n;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && F[c + 1] < F[c]) c++;
      if (fv <= F[c]) break;
      F[i] = F[c]; R[i] = R[c];
      i = c;
    }
    F[i] = fv; R[i] = req;
  }
}
