/**
 * Binary min-heap of events stored in parallel typed arrays (time, kind, two int payloads),
 * so pushing and popping allocate nothing. Ties are broken by a sequence number so the order
 * of simultaneous events is FIFO and therefore reproducible.
 */
export class EventQueue {
  private time: Float64Array;
  private seq: Float64Array;
  private kind: Int32Array;
  private pa: Int32Array;
  private pb: Int32Array;
  private n = 0;
  private counter = 0;

  /** Fields of the event returned by the last pop(). */
  t = 0;
  k = 0;
  a = 0;
  b = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.kind = new Int32Array(capacity);
    this.pa = new Int32Array(capacity);
    this.pb = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap); t.set(this.time); this.time = t;
    const s = new Float64Array(cap); s.set(this.seq); this.seq = s;
    const k = new Int32Array(cap); k.set(this.kind); this.kind = k;
    const a = new Int32Array(cap); a.set(this.pa); this.pa = a;
    const b = new Int32Array(cap); b.set(this.pb); this.pb = b;
  }

  push(time: number, kind: number, a: number, b: number): void {
    if (this.n === this.time.length) this.grow();
    const T = this.time, S = this.seq, K = this.kind, A = this.pa, B = this.pb;
    const sq = this.counter++;
    let i = this.n++;
    // Sift the hole up, then drop the new event into it.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = T[p];
      if (pt < time || (pt === time && S[p] < sq)) break;
      T[i] = pt; S[i] = S[p]; K[i] = K[p]; A[i] = A[p]; B[i] = B[p];
      i = p;
    }
    T[i] = time; S[i] = sq; K[i] = kind; A[i] = a; B[i] = b;
  }

  /** Removes the earliest event into t/k/a/b; returns false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const T = this.time, S = this.seq, K = this.kind, A = this.pa, B = this.pb;
    this.t = T[0]; this.k = K[0]; this.a = A[0]; this.b = B[0];
    const last = --this.n;
    if (last === 0) return true;
    const lt = T[last], ls = S[last], lk = K[last], la = A[last], lb = B[last];
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < last && (T[r] < T[c] || (T[r] === T[c] && S[r] < S[c]))) c = r;
      if (lt < T[c] || (lt === T[c] && ls < S[c])) break;
      T[i] = T[c]; S[i] = S[c]; K[i] = K[c]; A[i] = A[c]; B[i] = B[c];
      i = c;
    }
    T[i] = lt; S[i] = ls; K[i] = lk; A[i] = la; B[i] = lb;
    return true;
  }

  peekTime(): number {
    return this.n === 0 ? Infinity : this.time[0];
  }
}
