import { describe, expect, it } from "vitest";
import {
  fillNegBinomialPmf,
  negBinomialCdf,
  negBinomialMeanAbove,
  negBinomialPmf,
  negBinomialQuantile,
} from "../../src/forecast/negative-binomial.js";

/** The pmf by the textbook recursion from P(0), independent of the code under test (fine for these small means). */
function referencePmf(mean: number, size: number, upTo: number): number[] {
  const poisson = !Number.isFinite(size);
  const pmf = [poisson ? Math.exp(-mean) : Math.pow(size / (size + mean), size)];
  for (let k = 0; k < upTo; k++) {
    const ratio = poisson ? mean / (k + 1) : ((k + size) / (k + 1)) * (mean / (size + mean));
    pmf.push((pmf[k] ?? 0) * ratio);
  }
  return pmf;
}

const cases: Array<[mean: number, size: number]> = [
  [0.4, 0.67],
  [3, 5],
  [20, 20],
  [60, 35],
  [0.05, 0.1],
  [150, 1000],
  [5, Infinity],
  [150, Infinity],
  [30, 0.3],
];

describe("negative binomial", () => {
  it("pmf and cdf match the textbook recursion", () => {
    for (const [mean, size] of cases) {
      const reference = referencePmf(mean, size, Math.ceil(mean * 6 + 100));
      let cumulative = 0;
      let pmfError = 0;
      let cdfError = 0;
      reference.forEach((probability, k) => {
        cumulative += probability;
        pmfError = Math.max(pmfError, Math.abs(negBinomialPmf(k, mean, size) - probability));
        cdfError = Math.max(cdfError, Math.abs(negBinomialCdf(k, mean, size) - cumulative));
      });
      expect(pmfError, `pmf(·; ${mean}, ${size})`).toBeLessThan(1e-11);
      expect(cdfError, `cdf(·; ${mean}, ${size})`).toBeLessThan(1e-10);
    }
  });

  it("quantile is the smallest count whose cdf reaches p", () => {
    for (const [mean, size] of cases) {
      const reference = referencePmf(mean, size, Math.ceil(mean * 6 + 100));
      // not 0.5: NB(20, size 20) has cdf(19) = 0.5 exactly, a tie that rounding decides
      for (const p of [0.01, 0.1, 0.45, 0.9, 0.99]) {
        let k = 0;
        let cumulative = reference[0] ?? 0;
        while (cumulative < p) cumulative += reference[++k] ?? 0;
        expect(negBinomialQuantile(p, mean, size), `q(${p}; ${mean}, ${size})`).toBe(k);
      }
    }
  });

  it("handles the edges: no demand, a very heavy tail, a negative count", () => {
    expect(negBinomialCdf(0, 0, 5)).toBe(1);
    expect(negBinomialQuantile(0.9, 0, 5)).toBe(0);
    expect(negBinomialCdf(-1, 3, 5)).toBe(0);
    // size 0.05: the starting guess is far off and the search has to bisect
    const k = negBinomialQuantile(0.99, 50, 0.05);
    expect(negBinomialCdf(k, 50, 0.05)).toBeGreaterThanOrEqual(0.99);
    expect(negBinomialCdf(k - 1, 50, 0.05)).toBeLessThan(0.99);
  });

  it("fills a pmf vector that sums to the cdf", () => {
    const out = new Float64Array(200);
    const support = fillNegBinomialPmf(12, 4, 150, out);
    let sum = 0;
    for (let k = support.low; k <= support.high; k++) sum += out[k] ?? 0;
    expect(sum).toBeCloseTo(negBinomialCdf(150, 12, 4), 12);
  });

  it("gives the mean demand above a sold-out day's sales, E[X | X > k]", () => {
    for (const [mean, size] of cases) {
      const reference = referencePmf(mean, size, Math.ceil(mean * 100 + 1000)); // far out: the heavy tails carry the mean
      for (const k of [0, 1, Math.floor(mean), Math.ceil(mean * 1.5) + 2]) {
        let mass = 0;
        let first = 0;
        reference.forEach((probability, units) => {
          if (units <= k) return;
          mass += probability;
          first += units * probability;
        });
        if (mass < 1e-6) continue;
        expect(negBinomialMeanAbove(k, mean, size), `E[X | X > ${k}; ${mean}, ${size}]`).toBeCloseTo(first / mass, 6);
      }
    }
    // nothing sold: no floor at all, the plain mean
    expect(negBinomialMeanAbove(-1, 4, 3)).toBe(4);
    // a tail too thin to divide by: just above the sales
    expect(negBinomialMeanAbove(500, 2, 10)).toBe(501);
  });
});
