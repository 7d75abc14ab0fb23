/**
 * A seeded pseudo-random source and the distributions the data generator draws from. Deterministic: the same seed
 * gives the same sequence on every platform (sfc32 on 32-bit integer arithmetic).
 */
import { logGamma } from "../forecast/special-functions.js";

export interface Random {
  /** uniform on [0, 1) */
  next(): number;
}

/** sfc32 (Chris Doty-Humphrey's small fast counting generator), seeded through splitmix32 so that small seeds spread. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const splitmix = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // the first outputs of a fresh state are correlated with the seed
  for (let i = 0; i < 12; i++) next();
  return { next };
}

export function uniform(random: Random, low: number, high: number): number {
  return low + (high - low) * random.next();
}

/** an integer in [low, high], both included */
export function uniformInt(random: Random, low: number, high: number): number {
  return low + Math.floor(random.next() * (high - low + 1));
}

export function pick<T>(random: Random, values: readonly T[]): T {
  const value = values[Math.floor(random.next() * values.length)];
  if (value === undefined) throw new Error("pick from an empty list");
  return value;
}

export function standardNormal(random: Random): number {
  // Box-Muller; 1 - u keeps the logarithm finite
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function logNormal(random: Random, median: number, sigma: number): number {
  return median * Math.exp(sigma * standardNormal(random));
}

/** Gamma(shape, scale) by Marsaglia and Tsang; shape < 1 through the boost Gamma(shape + 1) · U^(1/shape). */
export function gamma(random: Random, shape: number, scale: number): number {
  if (shape < 1) {
    const boosted = gamma(random, shape + 1, scale);
    return boosted * Math.pow(1 - random.next(), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/** Poisson(mean): inversion for small means, Hörmann's PTRS transformed rejection from 10 on. */
export function poisson(random: Random, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    const limit = Math.exp(-mean);
    let k = 0;
    let product = random.next();
    while (product > limit) {
      k++;
      product *= random.next();
    }
    return k;
  }
  const rootMean = Math.sqrt(mean);
  const logMean = Math.log(mean);
  const b = 0.931 + 2.53 * rootMean;
  const a = -0.059 + 0.02483 * b;
  const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random.next() - 0.5;
    const v = random.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(inverseAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - logGamma(k + 1)) return k;
  }
}

/** Negative binomial with the given mean and size (variance = mean + mean² / size), as a gamma-Poisson mixture. */
export function negativeBinomial(random: Random, mean: number, size: number): number {
  if (!(mean > 0)) return 0;
  if (!Number.isFinite(size)) return poisson(random, mean);
  return poisson(random, gamma(random, size, mean / size));
}
