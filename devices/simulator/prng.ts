/**
 * A small seeded pseudo-random number generator for the device simulator.
 *
 * Why not `Math.random`: tests and benchmarks must be able to replay exactly the same traffic from a seed, and a
 * failing case must be reproducible from the seed printed in the log. sfc32 (Chris Doty-Humphrey's "Small Fast
 * Counting" generator) passes PractRand/BigCrush, needs only 32-bit integer arithmetic and is a few lines long;
 * the 128-bit state is filled from the seed with splitmix32 so that nearby seeds (1, 2, 3…) give unrelated streams.
 */

/** 32-bit FNV-1a of a string, used to mix a label (station id, stream name) into a numeric seed. */
export function hashString32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** splitmix32 step: a good 32-bit mixer, used only to expand a seed into the sfc32 state. */
function splitmix32(state: { value: number }): number {
  state.value = (state.value + 0x9e3779b9) | 0;
  let z = state.value;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export interface WeightedChoice<T> {
  readonly value: T;
  readonly weight: number;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second normal deviate of the last Box–Muller pair. */
  private spareNormal: number | undefined;

  /** @param seed any number (non-integers and values above 2^32 are reduced to 32 bits); @param label mixed in. */
  constructor(seed: number, label = '') {
    const state = { value: (Math.trunc(seed) ^ hashString32(label)) | 0 };
    this.a = splitmix32(state);
    this.b = splitmix32(state);
    this.c = splitmix32(state);
    this.d = splitmix32(state);
    // The first outputs of sfc32 are weakly mixed; the reference implementation discards a dozen.
    for (let i = 0; i < 12; i += 1) this.nextUint32();
  }

  /** An independent stream derived from this seed and a label, e.g. one per station or per concern. */
  static derive(seed: number, ...labels: readonly string[]): Rng {
    return new Rng(seed, labels.join('\u0000'));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  weighted<T>(choices: readonly WeightedChoice<T>[]): T {
    let total = 0;
    for (const choice of choices) total += Math.max(0, choice.weight);
    if (!(total > 0)) throw new Error('Rng.weighted: no positive weight');
    let threshold = this.float() * total;
    for (const choice of choices) {
      threshold -= Math.max(0, choice.weight);
      if (threshold < 0) return choice.value;
    }
    // Floating-point leftovers land on the last positive choice.
    const last = [...choices].reverse().find((choice) => choice.weight > 0);
    return (last as WeightedChoice<T>).value;
  }

  /** Standard normal deviate (Box–Muller), scaled. */
  normal(mean = 0, standardDeviation = 1): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return mean + standardDeviation * spare;
    }
    // 1 − float() is in (0, 1], so the logarithm is finite.
    const u1 = 1 - this.float();
    const u2 = this.float();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return mean + standardDeviation * radius * Math.cos(2 * Math.PI * u2);
  }

  /** Exponential deviate with the given mean (inter-arrival times of a Poisson process). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }
}
