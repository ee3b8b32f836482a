/**
 * The generator's fast seeded PRNG (sfc32, seeded through cyrb128). Faker only
 * builds vocabularies; every bulk decision draws from an `Rng`, so the same
 * seed always gives the same bytes.
 *
 * @module
 */

/** cyrb128: four 32-bit seeds from a string. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * A seeded sfc32 stream. Independent streams come from distinct seed texts
 * (`new Rng("42/events")`), so one part of the model can change without
 * shifting the draws of another.
 *
 * @example
 * ```ts
 * const rng = new Rng("42/model");
 * rng.int(1, 6); // the same die roll for every run with this seed
 * ```
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: string) {
    [this.#a, this.#b, this.#c, this.#d] = cyrb128(seed);
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniform element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** An approximately normal draw (sum of uniforms), mean 0, sd 1. */
  normal(): number {
    return this.next() + this.next() + this.next() + this.next() - 2;
  }

  /** Lowercase hex of `n` random nibbles. */
  hex(n: number): string {
    let s = "";
    while (s.length < n) {
      // Eight digits of a u32 from a byte table: `toString(16)` with a radix is slow in V8.
      const v = this.u32();
      s += HEX_BYTE[v >>> 24] + HEX_BYTE[(v >>> 16) & 255] + HEX_BYTE[(v >>> 8) & 255] +
        HEX_BYTE[v & 255];
    }
    return s.slice(0, n);
  }

  /** A version-4-shaped UUID text. */
  uuid(): string {
    const h = this.hex(32);
    // One join gives a flat string (a template gives a rope, flattened later on every first
    // compare or hash of a person's id, which showed in profiles).
    return [
      h.slice(0, 8),
      "-",
      h.slice(8, 12),
      "-4",
      h.slice(13, 16),
      "-a",
      h.slice(17, 20),
      "-",
      h.slice(20, 32),
    ].join("");
  }
}

/**
 * A sampler over `weights` (cumulative sums and binary search): index i is
 * drawn with probability weights[i] / Σ weights.
 *
 * @example
 * ```ts
 * const pick = weightedSampler([1, 3]);
 * pick(new Rng("x")); // 1 three times out of four
 * ```
 */
export function weightedSampler(weights: readonly number[]): (rng: Rng) => number {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i];
    cumulative[i] = total;
  }
  return (rng: Rng) => {
    const x = rng.next() * total;
    let lo = 0, hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/**
 * A sampler over the keys of a weight table, for named choices.
 *
 * @example
 * ```ts
 * keyedSampler({ web: 3, app: 1 })(new Rng("x")); // "web" or "app"
 * ```
 */
export function keyedSampler<K extends string>(table: Record<K, number>): (rng: Rng) => K {
  const keys = Object.keys(table) as K[];
  const sample = weightedSampler(keys.map((k) => table[k]));
  return (rng: Rng) => keys[sample(rng)];
}
