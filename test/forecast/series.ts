import { addDays, dayOfWeek } from "../../src/forecast/calendar.js";
import type { DayRecord } from "../../src/forecast/forecast-types.js";

/**
 * Deterministic demand series for the forecast tests: a seeded PRNG and samplers written here, independent of the
 * code under test (no shared lgamma or negative binomial), so a bug there cannot cancel out in the simulation.
 */

export type Random = () => number;

/** mulberry32: small, fast, good enough for simulation, and the same sequence on every machine. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}

export function sampleNormal(random: Random): number {
  // Box–Muller; 1 - u keeps the logarithm finite
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, scale 1) by Marsaglia–Tsang, with the u^(1/shape) boost below shape 1. */
export function sampleGamma(random: Random, shape: number): number {
  if (shape < 1) return sampleGamma(random, shape + 1) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleNormal(random);
    const v = Math.pow(1 + c * x, 3);
    if (v <= 0) continue;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Poisson by Knuth's product of uniforms, in chunks of mean ≤ 20 so that exp(-mean) never underflows. */
export function samplePoisson(random: Random, mean: number): number {
  let total = 0;
  let remaining = mean;
  while (remaining > 0) {
    const chunk = Math.min(remaining, 20);
    remaining -= chunk;
    const limit = Math.exp(-chunk);
    let product = random();
    while (product > limit) {
      total += 1;
      product *= random();
    }
  }
  return total;
}

/** Negative binomial as a gamma–Poisson mixture: variance = mean + mean²/size. */
export function sampleNegBinomial(random: Random, mean: number, size: number): number {
  if (!(mean > 0)) return 0;
  if (!Number.isFinite(size)) return samplePoisson(random, mean);
  return samplePoisson(random, (mean * sampleGamma(random, size)) / size);
}

/** Day-of-week multipliers (index 0 = Sunday) with Saturday and Sunday `weekendFactor` × a weekday, mean 1. */
export function weekendPattern(weekendFactor: number): number[] {
  const weekday = 7 / (5 + 2 * weekendFactor);
  return [weekendFactor * weekday, weekday, weekday, weekday, weekday, weekday, weekendFactor * weekday];
}

export interface DemandProcess {
  /** units per unpromoted day of average weekday */
  level: number;
  /** day-of-week multipliers, index 0 = Sunday, mean 1 (default flat) */
  weekly?: number[];
  /** negative binomial size (default Infinity: Poisson) */
  size?: number;
  /** multiplier on promoted days (default 1) */
  uplift?: number;
}

/** Expected units of the process on a date. */
export function processMean(process: DemandProcess, date: string, promoted: boolean): number {
  const multiplier = process.weekly?.[dayOfWeek(date)] ?? 1;
  return process.level * multiplier * (promoted ? (process.uplift ?? 1) : 1);
}

/** One day's demand drawn from the process. */
export function sampleDemand(random: Random, process: DemandProcess, date: string, promoted: boolean): number {
  return sampleNegBinomial(random, processMean(process, date, promoted), process.size ?? Infinity);
}

/** `days` consecutive uncensored days from `start`, promoted where `isPromoted(index)` says. */
export function simulateHistory(
  random: Random,
  process: DemandProcess,
  start: string,
  days: number,
  isPromoted: (index: number) => boolean = () => false,
): DayRecord[] {
  const history: DayRecord[] = [];
  for (let index = 0; index < days; index++) {
    const date = addDays(start, index);
    const promoted = isPromoted(index);
    history.push({ date, units: sampleDemand(random, process, date, promoted), stockout: false, promoted });
  }
  return history;
}
