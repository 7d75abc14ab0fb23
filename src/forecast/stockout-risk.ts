import { toDayNumber } from "./calendar.js";
import { expectedUnits, modelUncertainty } from "./demand-model.js";
import type { FutureDay, StockoutRisk, StockoutRiskInput } from "./forecast-types.js";
import {
  fillNegBinomialPmf,
  negBinomialCdf,
  negBinomialQuantile,
  POISSON_SIZE,
  type PmfSupport,
} from "./negative-binomial.js";

export { negBinomialCdf, negBinomialPmf, negBinomialQuantile } from "./negative-binomial.js";

/**
 * Definition. Day 0 is today and onHand is the stock at the start of today, before today's sales. A delivery dated day
 * d is on the shelf from the start of day d (one dated before today is not counted: it is either in onHand already or
 * late, and a late delivery should not hide a risk). The item RUNS OUT on or before day T when, for some day t ≤ T,
 * demand over days 0..t exceeds onHand plus the deliveries landed by day t: a customer wanted a unit and the shelf was
 * empty. Selling the last unit is not running out. An empty shelf now (onHand ≤ 0) has run out today.
 *
 * Model. Given the true level, days are independent negative binomials (the model's size). The estimate of the level
 * is itself uncertain (levelCv), an error every day shares, and so is the uplift (upliftCv) on promoted days.
 *
 * Computation. Stock is constant between deliveries and demand only accumulates, so within such a stretch running out
 * is decided by the demand at its last day: one negative binomial cdf when no delivery intervenes, with the shared
 * errors moment-matched into its size. Across deliveries the stretches are chained by a dynamic programme over "units
 * sold so far, not yet run out" (a vector truncated at the stock, convolved with each stretch's demand), run given the
 * level at three or five quadrature points of its error and averaged, since the stretches share that error. Fast sellers,
 * whose vectors would be long, continue as a truncated normal instead (see runOutProbabilities).
 */

/** quantityToLastPromotion aims at a 10% chance of running out before the promotion ends. */
const PROMOTION_RUN_OUT_TOLERANCE = 0.1;
/** daysOfCover when expected demand is nil: finite, so that it sorts, serialises and charts. */
const DAYS_OF_COVER_WITHOUT_DEMAND = 999;
/** Days averaged for daysOfCover. */
const COVER_WINDOW_DAYS = 7;
/** Multiply-adds allowed for one convolution (~10 µs) before the normal approximation takes over. */
const CONVOLUTION_BUDGET = 10_000;
/** A stretch whose demand spreads over more units than this (sd ≈ 40) is normal enough, and its vectors too long. */
const MAX_EXACT_WIDTH = 600;
/** Relative to the largest entry, what the survival and demand vectors drop from their tails (probabilities need ~1e-9). */
const NEGLIGIBLE = 1e-13;
/** Slack for float sums in the projected date: a cumulative 6.0000000001 against 6 units is not running out. */
const PROJECTION_SLACK = 1e-9;

/** Expected demand per day, with prefix sums so that any stretch's moments cost O(1). */
interface DemandPath {
  /** prefix sums over days: Σ mean, Σ mean², Σ mean on promoted days */
  meanSum: Float64Array;
  meanSquaredSum: Float64Array;
  promotedMeanSum: Float64Array;
  inverseSize: number;
  levelVariance: number;
  upliftVariance: number;
}

interface StretchDemand {
  mean: number;
  size: number;
}

/**
 * Demand over days from..to (inclusive) as one negative binomial with the same mean and variance. With a `levelFactor`,
 * the demand given that the true level is the estimate × levelFactor (the level's error then adds nothing).
 */
function stretchDemand(path: DemandPath, from: number, to: number, levelFactor?: number): StretchDemand {
  const factor = levelFactor ?? 1;
  const mean = factor * ((path.meanSum[to + 1] ?? 0) - (path.meanSum[from] ?? 0));
  if (!(mean > 0)) return { mean: 0, size: Infinity };
  const meanSquared = factor * factor * ((path.meanSquaredSum[to + 1] ?? 0) - (path.meanSquaredSum[from] ?? 0));
  const promotedMean = factor * ((path.promotedMeanSum[to + 1] ?? 0) - (path.promotedMeanSum[from] ?? 0));
  // variance beyond Poisson: each day's own (mean²/size) plus the shared level and uplift error (correlated days)
  const levelVariance = levelFactor === undefined ? path.levelVariance : 0;
  const excess =
    path.inverseSize * meanSquared + levelVariance * mean * mean + path.upliftVariance * promotedMean * promotedMean;
  return { mean, size: excess > (mean * mean) / POISSON_SIZE ? (mean * mean) / excess : Infinity };
}

// Scratch vectors reused across calls (single-threaded; never escape a call), so a sweep does not allocate per item
let survivalBuffer: Float64Array = new Float64Array(256);
let nextBuffer: Float64Array = new Float64Array(256);
let pmfBuffer: Float64Array = new Float64Array(256);
let cdfBuffer: Float64Array = new Float64Array(256);

function grown(buffer: Float64Array, length: number): Float64Array {
  if (buffer.length >= length) return buffer;
  let capacity = buffer.length;
  while (capacity < length) capacity *= 2;
  const larger = new Float64Array(capacity);
  larger.set(buffer);
  return larger;
}

/** Makes every scratch vector hold `length` entries, keeping what they hold. */
function ensureCapacity(length: number): void {
  survivalBuffer = grown(survivalBuffer, length);
  nextBuffer = grown(nextBuffer, length);
  pmfBuffer = grown(pmfBuffer, length);
  cdfBuffer = grown(cdfBuffer, length);
}

/** Fills pmfBuffer with the demand's pmf on 0..limit, sizing the buffers to where the mass is rather than to limit. */
function fillDemandPmf(demand: StretchDemand, limit: number): PmfSupport {
  const sd = Math.sqrt(varianceOf(demand));
  const guess = Math.min(limit, Math.ceil(demand.mean + 12 * sd) + 16);
  ensureCapacity(guess + 1);
  const support = fillNegBinomialPmf(demand.mean, demand.size, guess, pmfBuffer, NEGLIGIBLE);
  if (support.high < guess || guess === limit) return support;
  // a heavy tail ran past the guess: fill the whole range
  ensureCapacity(limit + 1);
  return fillNegBinomialPmf(demand.mean, demand.size, limit, pmfBuffer, NEGLIGIBLE);
}

/** Φ(x), via erfc (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

const INV_SQRT_TWO_PI = 1 / Math.sqrt(2 * Math.PI);

function varianceOf(demand: StretchDemand): number {
  return demand.mean + (Number.isFinite(demand.size) ? (demand.mean * demand.mean) / demand.size : 0);
}

/**
 * P(run out on or before each of `ends`), ascending day indices that include every day before a delivery lands (up to
 * the last end), so that stock is constant within each stretch. `stockBy[t]` = stock available through day t.
 *
 * Exact while the vectors are small (slow sellers, the usual case). When a convolution would exceed the budget (fast
 * sellers, hundreds of units a stretch), the units sold given survival continue as a normal with truncated moments, and
 * each probability keeps the exact negative binomial marginal of its stretch end: P(survive) = P(C ≤ S) × P(earlier
 * stretches survived | C ≤ S), with only the second factor approximated.
 */
function runOutProbabilities(
  path: DemandPath,
  stockBy: Float64Array,
  ends: readonly number[],
  levelFactor?: number,
): number[] {
  const probabilities: number[] = [];
  // The state describes units sold through day `stateEnd` given not run out. It only moves at the day before a
  // delivery lands (where stock changes); other ends are read off it without moving it.
  let stateEnd = -1;
  // exact state: a vector on [low, high]; before today nothing was sold, with certainty
  let low = 0;
  let high = 0;
  ensureCapacity(1);
  survivalBuffer[0] = 1;
  // normal state, once the exact one got too large: survival mass, mean and variance of units sold given survival
  let exact = true;
  let mass = 1;
  let soldMean = 0;
  let soldVariance = 0;
  // unconditional demand through stateEnd under the stretch-by-stretch model, for the marginal of each end
  let stateMean = 0;
  let stateVariance = 0;
  let runOut = 0;
  for (let index = 0; index < ends.length; index++) {
    const end = ends[index] ?? 0;
    const stock = Math.floor(stockBy[end] ?? 0);
    const advance = index < ends.length - 1 && end + 1 < stockBy.length && (stockBy[end + 1] ?? 0) !== (stockBy[end] ?? 0);
    const demand = stretchDemand(path, stateEnd + 1, end, levelFactor);
    const demandVariance = varianceOf(demand);
    let survival: number;
    if (exact && low > high) {
      survival = 0;
    } else if (exact) {
      // decide before filling anything whether this stretch's convolution fits the budget
      const width = Math.ceil(14 * Math.sqrt(demandVariance)) + 16;
      const switchToNormal = advance && (width > MAX_EXACT_WIDTH || (high - low + 1) * width > CONVOLUTION_BUDGET);
      let support: PmfSupport | null = null;
      if (low === high) {
        survival = (survivalBuffer[low] ?? 0) * negBinomialCdf(stock - low, demand.mean, demand.size);
      } else {
        support = fillDemandPmf(demand, stock - low);
        let cumulative = 0;
        for (let units = support.low; units <= support.high; units++) {
          cumulative += pmfBuffer[units] ?? 0;
          cdfBuffer[units] = cumulative;
        }
        survival = 0;
        for (let sold = low; sold <= high; sold++) {
          const room = stock - sold;
          if (room < support.low) break;
          survival += (survivalBuffer[sold] ?? 0) * (cdfBuffer[Math.min(room, support.high)] ?? 0);
        }
      }
      if (advance && switchToNormal) {
        // continue as a normal: moments of the vector before this stretch, then this stretch's step
        exact = false;
        mass = 0;
        let first = 0;
        for (let sold = low; sold <= high; sold++) {
          const weight = survivalBuffer[sold] ?? 0;
          mass += weight;
          first += weight * sold;
        }
        soldMean = mass > 0 ? first / mass : 0;
        let second = 0;
        for (let sold = low; sold <= high; sold++) second += (survivalBuffer[sold] ?? 0) * (sold - soldMean) ** 2;
        soldVariance = mass > 0 ? second / mass : 0;
        stepNormal(demand.mean, demandVariance, stock, true);
      } else if (advance) {
        support ??= fillDemandPmf(demand, stock - low);
        const nextLow = low + support.low;
        const nextHigh = Math.min(stock, high + support.high);
        if (nextLow > nextHigh) {
          low = 1;
          high = 0;
        } else {
          ensureCapacity(nextHigh + 1);
          // the sweep's hottest loop: the vectors in locals, every index within what was filled
          const survivalVector = survivalBuffer;
          const pmfVector = pmfBuffer;
          const nextVector = nextBuffer;
          const supportLow = support.low;
          const supportHigh = support.high;
          let largest = 0;
          for (let sold = nextLow; sold <= nextHigh; sold++) {
            const from = Math.max(low, sold - supportHigh);
            const to = Math.min(high, sold - supportLow);
            let sum = 0;
            for (let before = from; before <= to; before++) {
              sum += survivalVector[before]! * pmfVector[sold - before]!;
            }
            nextVector[sold] = sum;
            if (sum > largest) largest = sum;
          }
          // trim negligible tails so that later stretches stay cheap
          const floor = largest * NEGLIGIBLE;
          low = nextLow;
          high = nextHigh;
          while (low <= high && !((nextBuffer[low] ?? 0) > floor)) low++;
          while (high >= low && !((nextBuffer[high] ?? 0) > floor)) high--;
          const swap = survivalBuffer;
          survivalBuffer = nextBuffer;
          nextBuffer = swap;
        }
      }
    } else {
      const approximate = stepNormal(demand.mean, demandVariance, stock, advance);
      // keep the exact skewed marginal at this end; the normal supplies only the conditional factor
      const marginalMean = stateMean + demand.mean;
      const marginalVariance = stateVariance + demandVariance;
      const sd = Math.sqrt(marginalVariance);
      const normalMarginal = sd > 0 ? normalCdf((stock + 0.5 - marginalMean) / sd) : stock >= marginalMean ? 1 : 0;
      const excess = marginalVariance - marginalMean;
      const size = excess > 0 ? (marginalMean * marginalMean) / excess : Infinity;
      const marginal = negBinomialCdf(stock, marginalMean, size);
      survival = normalMarginal > 1e-12 ? Math.min(marginal, (approximate * marginal) / normalMarginal) : approximate;
    }
    runOut = Math.max(runOut, Math.min(1, 1 - survival));
    probabilities.push(runOut);
    if (advance) {
      stateEnd = end;
      stateMean += demand.mean;
      stateVariance += demandVariance;
    }
  }
  return probabilities;

  /**
   * One stretch in the normal state: add its demand, truncate at the stock. Returns the survival mass; moves the state
   * only when `move` is set.
   */
  function stepNormal(mean: number, stretchVariance: number, stock: number, move: boolean): number {
    const totalMean = soldMean + mean;
    const totalVariance = soldVariance + stretchVariance;
    const sd = Math.sqrt(totalVariance);
    const a = sd > 0 ? (stock + 0.5 - totalMean) / sd : totalMean <= stock ? Infinity : -Infinity;
    const inside = sd > 0 ? normalCdf(a) : a > 0 ? 1 : 0;
    const survivingMass = inside > 1e-12 ? mass * inside : 0;
    if (move) {
      mass = survivingMass;
      if (survivingMass > 0 && sd > 0) {
        const mills = (INV_SQRT_TWO_PI * Math.exp(-0.5 * a * a)) / inside;
        soldMean = totalMean - sd * mills;
        soldVariance = Math.max(0, totalVariance * (1 - a * mills - mills * mills));
      } else {
        soldMean = totalMean;
        soldVariance = totalVariance;
      }
    }
    return survivingMass;
  }
}

/** Gauss–Hermite rules for a standard normal, [nodes, weights]: three points, and five for a wide level error. */
const THREE_POINTS = [[-Math.sqrt(3), 0, Math.sqrt(3)], [1 / 6, 2 / 3, 1 / 6]] as const;
const FIVE_POINTS = [
  [-2.8569700138728056, -1.3556261799742659, 0, 1.3556261799742659, 2.8569700138728056],
  [0.011257411327720691, 0.22207592200561266, 0.5333333333333333, 0.22207592200561266, 0.011257411327720691],
] as const;
/** Beyond this level error (cv) three points miss the chance of running out by ~0.02; below, by under 0.005. */
const WIDE_LEVEL_CV = 0.15;

/**
 * runOutProbabilities with the level's estimation error shared by all days. Within one stretch it is folded into the
 * stretch's variance; across deliveries the stretches share it (a level that is too low is too low before and after the
 * delivery), so there the chain is run given the level at Gauss–Hermite points of its lognormal error and averaged.
 * Treating the stretches as independent instead overstates the risk of running out.
 */
function runOutCurve(path: DemandPath, stockBy: Float64Array, ends: readonly number[]): number[] {
  let stretches = 1;
  for (let index = 0; index < ends.length - 1; index++) {
    const end = ends[index] ?? 0;
    if ((stockBy[end + 1] ?? 0) !== (stockBy[end] ?? 0)) stretches++;
  }
  if (stretches === 1 || !(path.levelVariance > 0)) return runOutProbabilities(path, stockBy, ends);
  const logVariance = Math.log1p(path.levelVariance);
  const logSd = Math.sqrt(logVariance);
  const [nodes, weights] = path.levelVariance > WIDE_LEVEL_CV * WIDE_LEVEL_CV ? FIVE_POINTS : THREE_POINTS;
  const averaged = new Array<number>(ends.length).fill(0);
  for (let node = 0; node < nodes.length; node++) {
    const factor = Math.exp(logSd * (nodes[node] ?? 0) - logVariance / 2);
    const probabilities = runOutProbabilities(path, stockBy, ends, factor);
    for (let index = 0; index < ends.length; index++) {
      averaged[index] = (averaged[index] ?? 0) + (weights[node] ?? 0) * (probabilities[index] ?? 0);
    }
  }
  return averaged;
}

/** Sorted, unique, within 0..lastDay. */
function stretchEnds(points: readonly number[], lastDay: number): number[] {
  return [...new Set(points.filter((day) => day >= 0 && day <= lastDay))].sort((a, b) => a - b);
}

/**
 * The risk that one store-item runs out (see the definition above) before its promotion ends, before its next delivery
 * lands and within the days given, with the expected path for charts and the units that would last the promotion.
 * `days` are read as today, today + 1, … in order.
 */
export function assessStockout(input: StockoutRiskInput): StockoutRisk {
  const { model, days } = input;
  const means = new Float64Array(days.length);
  for (let t = 0; t < days.length; t++) {
    const day = days[t];
    means[t] = day ? expectedUnits(model, day) : 0;
  }
  return assessStockoutOfDemand(input, { means, size: model.size, ...modelUncertainty(model) });
}

/** Demand over the days of a risk assessment, day by day: what assessStockout reads off the fitted model. */
export interface DemandPathInput {
  /** expected units of each of the days, in their order */
  means: ArrayLike<number>;
  /** negative binomial size of each day's demand around its mean (Infinity: Poisson) */
  size: number;
  /** relative errors of the level and of the uplift, shared by the days (0 for a demand known exactly) */
  levelCv: number;
  upliftCv: number;
}

/**
 * assessStockout for a demand path given outright rather than through a model: the backtest's oracle feeds the
 * generator's true demand through the same computation the service runs on its forecast.
 */
export function assessStockoutOfDemand(input: Omit<StockoutRiskInput, "model">, demand: DemandPathInput): StockoutRisk {
  const days: readonly FutureDay[] = input.days;
  const horizon = days.length;
  const todayDay = toDayNumber(input.today);
  const onHand = Number.isFinite(input.onHand) ? input.onHand : 0;
  const startingStock = Math.max(0, onHand);
  const emptyNow = onHand <= 0;

  const means = new Float64Array(horizon);
  const meanSum = new Float64Array(horizon + 1);
  const meanSquaredSum = new Float64Array(horizon + 1);
  const promotedMeanSum = new Float64Array(horizon + 1);
  for (let t = 0; t < horizon; t++) {
    const day = days[t];
    const mean = day ? (demand.means[t] ?? 0) : 0;
    means[t] = mean;
    meanSum[t + 1] = (meanSum[t] ?? 0) + mean;
    meanSquaredSum[t + 1] = (meanSquaredSum[t] ?? 0) + mean * mean;
    promotedMeanSum[t + 1] = (promotedMeanSum[t] ?? 0) + (day?.promoted ? mean : 0);
  }
  const path: DemandPath = {
    meanSum,
    meanSquaredSum,
    promotedMeanSum,
    inverseSize: demand.size > 0 ? 1 / demand.size : 0,
    levelVariance: demand.levelCv * demand.levelCv,
    upliftVariance: demand.upliftCv * demand.upliftCv,
  };

  // Deliveries by day index; stockBy[t] = on hand plus everything landed by day t
  const arrivals = new Float64Array(horizon);
  const deliveryDays: number[] = [];
  for (const delivery of input.deliveries) {
    const day = toDayNumber(delivery.date) - todayDay;
    if (day < 0 || day >= horizon || !(delivery.quantity > 0)) continue;
    arrivals[day] = (arrivals[day] ?? 0) + delivery.quantity;
    // one landing today is on the shelf with today's stock, not a delivery still to come
    if (day > 0) deliveryDays.push(day);
  }
  const stockBy = new Float64Array(horizon);
  let landed = 0;
  for (let t = 0; t < horizon; t++) {
    landed += arrivals[t] ?? 0;
    stockBy[t] = startingStock + landed;
  }
  // the day before each delivery lands ends a stretch of constant stock
  const changePoints = deliveryDays.map((day) => day - 1);
  const nextDeliveryDay = deliveryDays.length > 0 ? Math.min(...deliveryDays) : null;

  let promotionLastDay: number | null = null;
  if (input.promotionEnd !== undefined && horizon > 0) {
    const day = toDayNumber(input.promotionEnd) - todayDay;
    // a promotion that has ended is no longer advertised; one beyond the days given is judged on the days given
    if (day >= 0) promotionLastDay = Math.min(day, horizon - 1);
  }

  // Expected path: projected date by cumulative demand, chart by lost-sales stock
  const projectedStock: StockoutRisk["projectedStock"] = [];
  let projectedDay: number | null = emptyNow ? 0 : null;
  let cumulativeDemand = 0;
  let supply = onHand;
  let expectedStock = startingStock;
  for (let t = 0; t < horizon; t++) {
    const mean = means[t] ?? 0;
    supply += arrivals[t] ?? 0;
    cumulativeDemand += mean;
    if (projectedDay === null && cumulativeDemand > supply + PROJECTION_SLACK) projectedDay = t;
    expectedStock = Math.max(0, expectedStock + (arrivals[t] ?? 0) - mean);
    projectedStock.push({ date: days[t]?.date ?? "", expected: expectedStock });
  }
  const projectedStockoutDate =
    projectedDay === null ? null : projectedDay === 0 && emptyNow ? input.today : (days[projectedDay]?.date ?? null);

  const coverDays = Math.min(COVER_WINDOW_DAYS, horizon);
  const coverDemand = coverDays > 0 ? (meanSum[coverDays] ?? 0) / coverDays : 0;
  const daysOfCover = emptyNow
    ? 0
    : coverDemand > 0
      ? Math.min(DAYS_OF_COVER_WITHOUT_DEMAND, onHand / coverDemand)
      : DAYS_OF_COVER_WITHOUT_DEMAND;

  // Probabilities, all from one pass over the stretches
  const targets = [horizon - 1];
  if (promotionLastDay !== null) targets.push(promotionLastDay);
  if (nextDeliveryDay !== null) targets.push(nextDeliveryDay - 1);
  let decisionLastDay: number | null = null;
  if (input.decisionEnd !== undefined && horizon > 0) {
    decisionLastDay = Math.min(Math.max(0, toDayNumber(input.decisionEnd) - todayDay), horizon - 1);
    targets.push(decisionLastDay);
  }
  const ends = stretchEnds([...changePoints, ...targets], horizon - 1);
  const probabilities = emptyNow || horizon === 0 ? [] : runOutCurve(path, stockBy, ends);
  const probabilityBy = (day: number): number => (emptyNow ? 1 : (probabilities[ends.indexOf(day)] ?? 0));

  let quantityToLastPromotion: number | null = null;
  if (promotionLastDay !== null && input.probabilitiesOnly !== true) {
    quantityToLastPromotion = unitsToLast(path, stockBy, changePoints, promotionLastDay, emptyNow);
  }

  return {
    projectedStockoutDate,
    daysOfCover,
    probabilityBeforePromotionEnd: promotionLastDay === null ? null : probabilityBy(promotionLastDay),
    probabilityBeforeNextDelivery: nextDeliveryDay === null ? null : probabilityBy(nextDeliveryDay - 1),
    probabilityWithinHorizon: horizon === 0 ? (emptyNow ? 1 : 0) : probabilityBy(horizon - 1),
    ...(input.decisionEnd !== undefined ? { probabilityBeforeDecision: decisionLastDay === null ? (emptyNow ? 1 : 0) : probabilityBy(decisionLastDay) } : {}),
    quantityToLastPromotion,
    projectedStock,
  };
}

/** Smallest whole number of units to add now so that P(run out on or before lastDay) ≤ 10%. */
function unitsToLast(
  path: DemandPath,
  stockBy: Float64Array,
  changePoints: readonly number[],
  lastDay: number,
  emptyNow: boolean,
): number {
  const ends = stretchEnds([...changePoints, lastDay], lastDay);
  // an empty shelf counts as run out whatever the forecast, so it needs at least one unit
  const minimum = emptyNow ? 1 : 0;
  if (ends.length === 1) {
    // no delivery before the promotion ends: the 90% quantile of its demand, minus what is there
    const demand = stretchDemand(path, 0, lastDay);
    const needed = negBinomialQuantile(1 - PROMOTION_RUN_OUT_TOLERANCE, demand.mean, demand.size);
    return Math.max(minimum, Math.ceil(needed - (stockBy[lastDay] ?? 0) - 1e-9));
  }
  const shifted = new Float64Array(stockBy.length);
  const probabilityWith = (extra: number): number => {
    for (let t = 0; t < stockBy.length; t++) shifted[t] = (stockBy[t] ?? 0) + extra;
    const probabilities = runOutCurve(path, shifted, ends);
    return probabilities[probabilities.length - 1] ?? 1;
  };
  const fails = (extra: number): boolean => probabilityWith(extra) > PROMOTION_RUN_OUT_TOLERANCE;
  // First guess: where the most demanding stretch end on its own has a 10% chance of demand beyond its stock (running
  // out by then includes that event, and the ends are strongly correlated, so the answer is close)
  let guess = minimum;
  let bindingEnd = lastDay;
  for (const end of ends) {
    const demand = stretchDemand(path, 0, end);
    const needed = Math.ceil(
      negBinomialQuantile(1 - PROMOTION_RUN_OUT_TOLERANCE, demand.mean, demand.size) - (stockBy[end] ?? 0) - 1e-9,
    );
    if (needed > guess) {
      guess = needed;
      bindingEnd = end;
    }
  }
  // Re-aim once: the chain's probability at the guess is what that end's marginal gives some units away; assume the
  // chain stays that many units off the marginal near the answer
  const atGuess = probabilityWith(guess);
  let start = guess;
  if (atGuess > 0 && atGuess < 1) {
    const demand = stretchDemand(path, 0, bindingEnd);
    const equivalent = negBinomialQuantile(1 - atGuess, demand.mean, demand.size) - (stockBy[bindingEnd] ?? 0);
    start = Math.max(minimum, Math.round(2 * guess - equivalent));
  }
  // bracket the answer by doubling steps from there, then bisect: low fails (or is below the minimum), high holds
  let low: number;
  let high: number;
  if (start === guess ? atGuess > PROMOTION_RUN_OUT_TOLERANCE : fails(start)) {
    low = start;
    let step = 1;
    while (fails(start + step) && step < 1e9) {
      low = start + step;
      step *= 2;
    }
    high = start + step;
  } else {
    high = start;
    low = minimum - 1;
    let step = 1;
    while (start - step >= minimum) {
      if (fails(start - step)) {
        low = start - step;
        break;
      }
      high = start - step;
      step *= 2;
    }
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fails(middle)) low = middle;
    else high = middle;
  }
  return high;
}
