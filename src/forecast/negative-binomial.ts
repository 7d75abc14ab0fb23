/**
 * The negative binomial in the mean/size parameterisation used by the demand model: variance = mean + mean²/size, and
 * size = Infinity (or anything beyond POISSON_SIZE) is the Poisson. Written for speed: a sweep evaluates these for
 * every store-item.
 */
import { logGamma, normalQuantile } from "./special-functions.js";

/** Beyond this size the distribution is Poisson to double precision, and lgamma differences would lose digits. */
export const POISSON_SIZE = 1e8;

const LOG_FACTORIAL_TABLE_SIZE = 1024;
const logFactorialTable = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
for (let k = 1; k < LOG_FACTORIAL_TABLE_SIZE; k++) logFactorialTable[k] = (logFactorialTable[k - 1] ?? 0) + Math.log(k);

function logFactorial(k: number): number {
  return k < LOG_FACTORIAL_TABLE_SIZE ? (logFactorialTable[k] ?? 0) : logGamma(k + 1);
}

function isPoisson(size: number): boolean {
  return !(size < POISSON_SIZE);
}

/** ln P(X = k) for an integer k ≥ 0. */
export function negBinomialLogPmf(k: number, mean: number, size: number): number {
  if (k < 0) return -Infinity;
  if (!(mean > 0)) return k === 0 ? 0 : -Infinity;
  if (isPoisson(size)) return k * Math.log(mean) - mean - logFactorial(k);
  return (
    logGamma(k + size) -
    logGamma(size) -
    logFactorial(k) -
    size * Math.log1p(mean / size) +
    k * Math.log(mean / (size + mean))
  );
}

export function negBinomialPmf(k: number, mean: number, size: number): number {
  return Math.exp(negBinomialLogPmf(k, mean, size));
}

/** The most likely count. */
function mode(mean: number, size: number): number {
  if (isPoisson(size)) return Math.floor(mean);
  return size > 1 ? Math.floor(((size - 1) * mean) / size) : 0;
}

/** P(X = k + 1) / P(X = k). */
function ratioUp(k: number, mean: number, size: number): number {
  return isPoisson(size) ? mean / (k + 1) : ((k + size) / (k + 1)) * (mean / (size + mean));
}

/** P(X = k - 1) / P(X = k), for k ≥ 1. */
function ratioDown(k: number, mean: number, size: number): number {
  return isPoisson(size) ? k / mean : (k / (k - 1 + size)) * ((size + mean) / mean);
}

const TINY = 1e-300;
const CONTINUED_FRACTION_EPSILON = 1e-15;
const MAX_ITERATIONS = 2000;

/** Lentz's continued fraction for the incomplete beta (Numerical Recipes `betacf`). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < CONTINUED_FRACTION_EPSILON) break;
  }
  return h;
}

/** I_x(a, b), given both x and 1 - x so that neither loses digits to cancellation. */
function regularizedBeta(x: number, oneMinusX: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (oneMinusX <= 0) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(oneMinusX);
  // the continued fraction converges fast only on the near side of the mean: use the symmetry on the far side
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, oneMinusX)) / b;
}

/** Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma (Numerical Recipes `gser` / `gcf`). */
function regularizedGammaUpper(a: number, x: number): number {
  if (x <= 0) return 1;
  const logFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n <= MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * CONTINUED_FRACTION_EPSILON) break;
    }
    return 1 - sum * Math.exp(logFront);
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < CONTINUED_FRACTION_EPSILON) break;
  }
  return Math.exp(logFront) * h;
}

/** P(X ≤ k). */
export function negBinomialCdf(k: number, mean: number, size: number): number {
  if (k < 0) return 0;
  if (!(mean > 0)) return 1;
  if (k === Infinity) return 1;
  const count = Math.floor(k);
  if (isPoisson(size)) return Math.min(1, Math.max(0, regularizedGammaUpper(count + 1, mean)));
  // P(X ≤ k) = I_p(size, k + 1) with p = size / (size + mean), the success probability
  const cdf = regularizedBeta(size / (size + mean), mean / (size + mean), size, count + 1);
  return Math.min(1, Math.max(0, cdf));
}

/**
 * E[X | X > k]: the expected demand of a day whose sales stopped at k because the shelf ran out. Uses
 * Σ_{j ≤ k} j·P(X = j) = mean · P(Y ≤ k − 1), Y negative binomial with size + 1 and mean · (size + 1) / size (for the
 * Poisson, Y = X). Where the tail is too thin to divide by, the answer is just above k.
 */
export function negBinomialMeanAbove(k: number, mean: number, size: number): number {
  const count = Math.floor(k);
  if (!(mean > 0)) return count + 1;
  if (count < 0) return mean;
  const tail = 1 - negBinomialCdf(count, mean, size);
  if (!(tail > 1e-9)) return count + 1;
  const shiftedMean = isPoisson(size) ? mean : (mean * (size + 1)) / size;
  const shiftedSize = isPoisson(size) ? size : size + 1;
  const upper = mean * (1 - negBinomialCdf(count - 1, shiftedMean, shiftedSize));
  return Math.max(count + 1, upper / tail);
}

const MAX_WALK_STEPS = 64;

/** The p-quantile: the smallest k with P(X ≤ k) ≥ p. */
export function negBinomialQuantile(p: number, mean: number, size: number): number {
  if (!(mean > 0) || p <= 0) return 0;
  if (p >= 1) return Infinity;
  const poisson = isPoisson(size);
  const variance = poisson ? mean : mean + (mean * mean) / size;
  const sd = Math.sqrt(variance);
  const skewness = poisson ? 1 / sd : (1 + (2 * mean) / size) / sd;
  const z = normalQuantile(p);
  // Cornish–Fisher guess, then walk the pmf recursion to the exact answer
  let k = Math.max(0, Math.floor(mean + sd * (z + ((z * z - 1) * skewness) / 6)));
  let cdf = negBinomialCdf(k, mean, size);
  let pmf = negBinomialPmf(k, mean, size);
  for (let step = 0; step < MAX_WALK_STEPS; step++) {
    if (cdf >= p) {
      if (k === 0 || cdf - pmf < p) return k;
      cdf -= pmf;
      pmf *= ratioDown(k, mean, size);
      k -= 1;
    } else {
      pmf *= ratioUp(k, mean, size);
      k += 1;
      cdf += pmf;
    }
  }
  return bisectQuantile(p, mean, size, k);
}

/** Fallback for a poor starting guess (very heavy tails): bracket, then bisect on the cdf. */
function bisectQuantile(p: number, mean: number, size: number, near: number): number {
  let low = near;
  let high = near;
  if (negBinomialCdf(near, mean, size) >= p) {
    let width = 1;
    while (low > 0 && negBinomialCdf(low, mean, size) >= p) {
      high = low;
      low = Math.max(0, low - width);
      width *= 2;
    }
    if (negBinomialCdf(low, mean, size) >= p) return low;
  } else {
    let width = 1;
    while (negBinomialCdf(high, mean, size) < p) {
      low = high;
      high += width;
      width *= 2;
    }
  }
  // invariant: cdf(low) < p ≤ cdf(high)
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (negBinomialCdf(middle, mean, size) >= p) high = middle;
    else low = middle;
  }
  return high;
}

/** Where fillNegBinomialPmf left non-negligible mass: entries outside [low, high] are 0. */
export interface PmfSupport {
  low: number;
  high: number;
}

/** Relative to the largest term, what counts as negligible when trimming a pmf's tails, unless told otherwise. */
const NEGLIGIBLE = 1e-17;

/**
 * Writes P(X = c) into out[c] for the non-negligible c within 0..limit and returns where that is (empty, low > high, when
 * all of 0..limit is negligible); entries outside are left as they were. Recursion from the mode: one lgamma per call,
 * then a multiplication per term. `out` must hold limit + 1 entries.
 */
export function fillNegBinomialPmf(
  mean: number,
  size: number,
  limit: number,
  out: Float64Array,
  negligible = NEGLIGIBLE,
): PmfSupport {
  if (!(mean > 0)) {
    out[0] = 1;
    return { low: 0, high: 0 };
  }
  const start = Math.min(mode(mean, size), limit);
  const peak = negBinomialPmf(start, mean, size);
  if (!(peak > 0)) return { low: limit + 1, high: limit };
  out[start] = peak;
  const floor = peak * negligible;
  const poisson = isPoisson(size);
  const odds = poisson ? mean : mean / (size + mean);
  const shift = poisson ? 0 : size;
  let high = start;
  let value = peak;
  // the pmf recursion inlined (see ratioUp and ratioDown): this loop runs for every unit of every stretch
  for (let c = start; c < limit; c++) {
    value *= poisson ? odds / (c + 1) : ((c + shift) / (c + 1)) * odds;
    // past the mode the terms only shrink, so the first negligible one ends the support
    if (value < floor) break;
    out[c + 1] = value;
    high = c + 1;
  }
  let low = start;
  value = peak;
  for (let c = start; c > 0; c--) {
    value *= poisson ? c / odds : c / ((c - 1 + shift) * odds);
    if (value < floor) break;
    out[c - 1] = value;
    low = c - 1;
  }
  return { low, high };
}
