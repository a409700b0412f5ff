/**
 * Seeded PRNG (sfc32, seeded through splitmix32) and the duration samplers.
 * Never Math.random: the same seed must give the same result on every machine.
 */

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads a small integer seed over the 128-bit state.
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  exp(mean: number): number {
    // 1 - u is in (0, 1], so log never sees 0.
    return -mean * Math.log(1 - this.next());
  }

  normal(): number {
    if (this.spare === this.spare) {
      const v = this.spare;
      this.spare = NaN;
      return v;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }
}

/** Compiled duration: kind code and two parameters, so sampling allocates nothing. */
export const D_CONST = 0;
export const D_EXP = 1;
export const D_LOGN = 2;
export const D_UNIF = 3;

export interface CompiledDist { kind: number; p1: number; p2: number; mean: number }

export function sampleDist(rng: Rng, kind: number, p1: number, p2: number): number {
  switch (kind) {
    case D_CONST: return p1;
    case D_EXP: return rng.exp(p1);
    case D_LOGN: return Math.exp(p1 + p2 * rng.normal());
    default: return p1 + (p2 - p1) * rng.next();
  }
}

export function sample(rng: Rng, d: CompiledDist): number {
  return sampleDist(rng, d.kind, d.p1, d.p2);
}
