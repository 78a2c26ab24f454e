/** Deterministic pseudo-random numbers: each (seed, image, stream) tuple gets its own sequence, so any image can be made again alone. */

/** The murmur3 finaliser: spreads nearby integers over all 32 bits. */
function fmix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** sfc32: small, fast, and good enough for test data. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds are 32-bit integers; each (seed, image, stream) tuple gets its own sequence. */
  constructor(...seeds: number[]) {
    let h = 0;
    for (const s of seeds) h = fmix32(h + 0x9e3779b9 + (s >>> 0));
    this.a = fmix32(h + 1);
    this.b = fmix32(h + 2);
    this.c = fmix32(h + 3);
    this.d = fmix32(h + 4);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor((hi - lo + 1) * this.next());
  }
}
