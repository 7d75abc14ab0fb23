import { dayOfWeek, toDayNumber } from "./calendar.js";
import type { DayForecast, DayRecord, DemandModel, DemandPrior, FutureDay, UpliftEvidence } from "./forecast-types.js";
import { negBinomialMeanAbove, negBinomialQuantile, POISSON_SIZE } from "./negative-binomial.js";

/**
 * Daily demand of one item at one store: level × day-of-week multiplier × (uplift on promoted days), with negative
 * binomial noise. Each part is learned from the item's own uncensored history and shrunk toward what is known beyond it
 * (Bühlmann credibility: weight n / (n + k), k = expected noise variance of one day ÷ prior variance of the parameter,
 * so noisy and short histories lean on the prior and long, regular ones on the data).
 */

export interface FitDemandOptions {
  /** the first day to be forecast; history on or after it is ignored. Default: the day after the last record */
  asOf?: string;
  /**
   * How to read a day without a record between the first record and asOf. "zero" (default): nothing sold, because a
   * sales table has no row for a day without sales; so pass an asOf later than the last record only when sales are
   * complete up to it. "unobserved": unknown, for callers whose history has gaps.
   */
  missingDays?: "zero" | "unobserved";
  /** window of the level of a regular seller, in days (default 56) */
  levelWindowDays?: number;
  /** half-life of the exponential weights of that level, in days (default 21) */
  levelHalfLifeDays?: number;
  /** window of the day-of-week pattern, of the dispersion and of an intermittent seller's level (default 84) */
  weeklyWindowDays?: number;
  /** how far back to look for past promotions (default 365) */
  upliftWindowDays?: number;
  /** mean days between sales beyond which an item is intermittent (default 1.32, Syntetos–Boylan) */
  intermittentInterval?: number;
  /** TSB smoothing of the probability of a sale, per observed day (default 0.05) */
  saleProbabilitySmoothing?: number;
  /** TSB smoothing of the size of a sale, per day with a sale (default 0.15) */
  saleSizeSmoothing?: number;
  /** spread of item levels around peerLevel, in log terms (default 1: a category's items sell at rates a factor e apart) */
  levelPriorCv?: number;
  /** spread of an item's day-of-week multipliers around the prior's (default 0.25 around peerWeekly, 0.4 around flat) */
  weeklyPriorCv?: number;
  /**
   * spread of an item's uplift around the fallback, in log terms (default: the prior's categoryUpliftCv, else 0.35,
   * around categoryUplift; 0.5 around the default uplift)
   */
  upliftPriorCv?: number;
  /** fewest uncensored promoted days before the item's own uplift is used at all (default 3) */
  minPromotedDays?: number;
}

/**
 * Prior inverse size: size 5 for a regular seller, 1 (geometric-like lumps) for an intermittent one, whose few sale
 * days say little about dispersion (the moment estimate from 8 weeks is off by a factor of e in either direction).
 */
const PRIOR_INVERSE_SIZE = 0.2;
const PRIOR_INVERSE_SIZE_INTERMITTENT = 1;
/** Sampling variance of the moment estimate of 1/size ≈ this × (1/mean + 1/size)² / days (2 for a normal, more here). */
const INVERSE_SIZE_SAMPLING_FACTOR = 3;
/** Dispersion kept within size 0.05 (wildly lumpy) … 500 (as good as Poisson). */
const MIN_INVERSE_SIZE = 1 / 500;
const MAX_INVERSE_SIZE = 1 / 0.05;
/** Floor of the daily mean when it divides a variance: keeps credibility finite for items that sell nothing. */
const MIN_REFERENCE_LEVEL = 0.05;
/** Days either side of a promoted day whose unpromoted sales make its baseline. */
/** Ordinary days either side of a promoted day that its uplift is measured against. */
export const BASELINE_HALF_WIDTH_DAYS = 14;
/** How far back fitDemand looks for past promotions unless told otherwise. */
export const UPLIFT_WINDOW_DAYS = 365;
const MIN_BASELINE_DAYS = 4;
/** A learned uplift outside ×0.25 … ×10 is a data problem, not a promotion. */
const MIN_LOG_UPLIFT = Math.log(0.25);
const MAX_LOG_UPLIFT = Math.log(10);
/** Without history, a peer level under this (P(0) > ~45%) is an intermittent seller's. */
const INTERMITTENT_PEER_LEVEL = 0.8;
/** Rounds of imputing sold-out promoted days and re-estimating the uplift (it settles within a few). */
const CENSORED_UPLIFT_ITERATIONS = 30;

const OBSERVED = 1;
const CENSORED = 2;
const PROMOTED = 4;

const FLAT_WEEK: readonly number[] = [1, 1, 1, 1, 1, 1, 1];

/**
 * Working arrays reused across calls (JavaScript is single-threaded and none escapes a call), so that fitting 100,000
 * store-items does not allocate and collect a dozen arrays each.
 */
const work = {
  capacity: 0,
  units: new Float64Array(0),
  flags: new Uint8Array(0),
  multiplierByAge: new Float64Array(0),
  unitsBefore: new Float64Array(0),
  multipliersBefore: new Float64Array(0),
  countBefore: new Float64Array(0),
  inBaseline: new Uint8Array(0),
  dayNumbers: new Float64Array(0),
};

/** The working arrays, cleared over 0..window + 1. */
function workingArrays(window: number): typeof work {
  const needed = window + 2;
  if (work.capacity < needed) {
    const capacity = Math.max(needed, 2 * work.capacity, 128);
    work.capacity = capacity;
    work.units = new Float64Array(capacity);
    work.flags = new Uint8Array(capacity);
    work.multiplierByAge = new Float64Array(capacity);
    work.unitsBefore = new Float64Array(capacity);
    work.multipliersBefore = new Float64Array(capacity);
    work.countBefore = new Float64Array(capacity);
    work.inBaseline = new Uint8Array(capacity);
  } else {
    work.units.fill(0, 0, needed);
    work.flags.fill(0, 0, needed);
    work.inBaseline.fill(0, 0, needed);
    work.unitsBefore[1] = 0;
    work.multipliersBefore[1] = 0;
    work.countBefore[1] = 0;
  }
  return work;
}

/** Room for one day number per history record. */
function dayNumberBuffer(records: number): Float64Array {
  if (work.dayNumbers.length < records) work.dayNumbers = new Float64Array(Math.max(records, 2 * work.dayNumbers.length));
  return work.dayNumbers;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** peerWeekly rescaled to mean 1, or flat when it is missing or unusable. */
function priorWeekly(peerWeekly: number[] | undefined): readonly number[] {
  if (!peerWeekly || peerWeekly.length !== 7 || !peerWeekly.every((m) => Number.isFinite(m) && m > 0)) return FLAT_WEEK;
  const mean = peerWeekly.reduce((sum, m) => sum + m, 0) / 7;
  return peerWeekly.map((m) => m / mean);
}

/**
 * Fits one store-item's demand from its daily history (any order; a date given twice adds up). Stockout days are left
 * out of every estimate but the uplift, which counts a promoted day that sold out at its expected demand above its
 * sales; promoted days inform only the uplift. An item seen to sell on fewer than 1 day in 1.32 is "intermittent": its
 * level is TSB's (probability of a sale × size of a sale) and its dispersion prior is lumpier.
 */
export function fitDemand(history: DayRecord[], prior: DemandPrior, options: FitDemandOptions = {}): DemandModel {
  const halfLife = positiveOr(options.levelHalfLifeDays, 21);
  const intermittentInterval = positiveOr(options.intermittentInterval, 1.32);
  const alphaProbability = clamp(options.saleProbabilitySmoothing ?? 0.05, 0.001, 1);
  const alphaSize = clamp(options.saleSizeSmoothing ?? 0.15, 0.001, 1);
  const levelPriorCv = positiveOr(options.levelPriorCv, 1);
  const weeklyPrior = priorWeekly(prior.peerWeekly);
  const weeklyPriorCv = positiveOr(options.weeklyPriorCv, weeklyPrior !== FLAT_WEEK ? 0.25 : 0.4);
  const minPromotedDays = Math.max(1, Math.floor(options.minPromotedDays ?? 3));
  const peerLevel =
    prior.peerLevel !== undefined && Number.isFinite(prior.peerLevel) && prior.peerLevel >= 0 ? prior.peerLevel : undefined;

  // Lay the history out by age (1 = the day before asOf), so that order, duplicates and gaps need no sorting
  let lastDay = -Infinity;
  let firstDay = Infinity;
  const dayNumbers = dayNumberBuffer(history.length);
  for (let index = 0; index < history.length; index++) {
    const day = toDayNumber(history[index]?.date ?? "");
    dayNumbers[index] = day;
    if (day > lastDay) lastDay = day;
    if (day < firstDay) firstDay = day;
  }
  const asOfDay = options.asOf !== undefined ? toDayNumber(options.asOf) : lastDay + 1;
  // windows end where the history does, so that a short history costs little
  const reach = Number.isFinite(firstDay) ? Math.max(0, asOfDay - firstDay) : 0;
  const levelWindow = Math.min(reach, Math.max(7, Math.floor(options.levelWindowDays ?? 56)));
  const weeklyWindow = Math.min(reach, Math.max(7, Math.floor(options.weeklyWindowDays ?? 84)));
  const upliftWindow = Math.min(reach, Math.max(1, Math.floor(options.upliftWindowDays ?? UPLIFT_WINDOW_DAYS)));
  const window = Math.max(levelWindow, weeklyWindow, upliftWindow);
  const { units, flags, multiplierByAge, unitsBefore, multipliersBefore, countBefore, inBaseline } = workingArrays(window);
  for (let index = 0; index < history.length; index++) {
    const record = history[index];
    const age = asOfDay - (dayNumbers[index] ?? 0);
    if (!record || age < 1 || age > window) continue;
    units[age] = (units[age] ?? 0) + (Number.isFinite(record.units) && record.units > 0 ? record.units : 0);
    flags[age] = (flags[age] ?? 0) | OBSERVED | (record.stockout ? CENSORED : 0) | (record.promoted ? PROMOTED : 0);
  }
  if (options.missingDays !== "unobserved" && Number.isFinite(firstDay)) {
    const oldest = Math.min(window, asOfDay - firstDay);
    for (let age = 1; age <= oldest; age++) flags[age] = (flags[age] ?? 0) | OBSERVED;
  }
  const asOfDow = Number.isFinite(asOfDay) ? (((asOfDay + 4) % 7) + 7) % 7 : 0;
  const dowOfAge = (age: number): number => (((asOfDow - age) % 7) + 7) % 7;
  // uncensored and unpromoted: the days that show ordinary demand
  const isOrdinary = (age: number): boolean => ((flags[age] ?? 0) & (OBSERVED | CENSORED | PROMOTED)) === OBSERVED;

  // Day-of-week means over the weekly window
  const sumByDow = new Float64Array(7);
  const sumSquaresByDow = new Float64Array(7);
  const countByDow = new Float64Array(7);
  let ordinaryDays = 0;
  let saleDays = 0;
  for (let age = 1; age <= weeklyWindow; age++) {
    if (!isOrdinary(age)) continue;
    const dow = dowOfAge(age);
    const y = units[age] ?? 0;
    sumByDow[dow] = (sumByDow[dow] ?? 0) + y;
    sumSquaresByDow[dow] = (sumSquaresByDow[dow] ?? 0) + y * y;
    countByDow[dow] = (countByDow[dow] ?? 0) + 1;
    ordinaryDays += 1;
    if (y > 0) saleDays += 1;
  }
  let dowsSeen = 0;
  let meanOfDowMeans = 0;
  for (let dow = 0; dow < 7; dow++) {
    const count = countByDow[dow] ?? 0;
    if (count > 0) {
      dowsSeen += 1;
      meanOfDowMeans += (sumByDow[dow] ?? 0) / count;
    }
  }
  meanOfDowMeans = dowsSeen > 0 ? meanOfDowMeans / dowsSeen : 0;

  const intermittent =
    ordinaryDays > 0
      ? saleDays === 0 || ordinaryDays / saleDays > intermittentInterval
      : (peerLevel ?? 0) < INTERMITTENT_PEER_LEVEL;
  const priorInverseSize = intermittent ? PRIOR_INVERSE_SIZE_INTERMITTENT : PRIOR_INVERSE_SIZE;

  // Weekly pattern and dispersion depend on each other (the noise sets how far to trust each weekday's mean, and the
  // pattern must come out of the residuals); two rounds from the prior dispersion settle it
  let inverseSize = priorInverseSize;
  let weekly: number[] = [...weeklyPrior];
  for (let round = 0; round < 2; round++) {
    const noise = 1 / Math.max(meanOfDowMeans, MIN_REFERENCE_LEVEL) + inverseSize;
    const credibilityWeeks = noise / (weeklyPriorCv * weeklyPriorCv);
    let credibilitySum = 0;
    for (let dow = 0; dow < 7; dow++) {
      const count = countByDow[dow] ?? 0;
      const prior = weeklyPrior[dow] ?? 1;
      if (count === 0 || !(meanOfDowMeans > 0)) {
        weekly[dow] = prior;
        continue;
      }
      const z = count / (count + credibilityWeeks);
      credibilitySum += z;
      weekly[dow] = z * ((sumByDow[dow] ?? 0) / count / meanOfDowMeans) + (1 - z) * prior;
    }
    const weeklyMean = weekly.reduce((sum, m) => sum + m, 0) / 7;
    weekly = weekly.map((m) => m / weeklyMean);

    // method of moments on the residuals: E[(y − μ)²] = μ + μ²/size
    let squaredResiduals = 0;
    let meanSum = 0;
    let meanSquaredSum = 0;
    for (let dow = 0; dow < 7; dow++) {
      const count = countByDow[dow] ?? 0;
      if (count === 0) continue;
      const mu = meanOfDowMeans * (weekly[dow] ?? 1);
      const sum = sumByDow[dow] ?? 0;
      squaredResiduals += (sumSquaresByDow[dow] ?? 0) - 2 * mu * sum + count * mu * mu;
      meanSum += count * mu;
      meanSquaredSum += count * mu * mu;
    }
    // the level and the weekday multipliers were fitted to these same days: correct for the degrees of freedom used
    const parameters = 1 + (credibilitySum * 6) / 7;
    if (ordinaryDays - parameters >= 2 && meanSquaredSum > 0) {
      const corrected = (squaredResiduals * ordinaryDays) / (ordinaryDays - parameters);
      // unclamped, so that samples that happen to look underdispersed do not bias it; shrunk toward the prior by
      // credibility = prior variance (prior² : a coefficient of variation of 1) / (that + sampling variance)
      const estimate = (corrected - meanSum) / meanSquaredSum;
      const sampling =
        (INVERSE_SIZE_SAMPLING_FACTOR * (1 / Math.max(meanOfDowMeans, MIN_REFERENCE_LEVEL) + priorInverseSize) ** 2) /
        ordinaryDays;
      const z = (priorInverseSize * priorInverseSize) / (priorInverseSize * priorInverseSize + sampling);
      inverseSize = z * estimate + (1 - z) * priorInverseSize;
    }
    inverseSize = clamp(inverseSize, MIN_INVERSE_SIZE, MAX_INVERSE_SIZE);
  }
  for (let age = 1; age <= window; age++) multiplierByAge[age] = weekly[dowOfAge(age)] ?? 1;
  const weeklyAt = (age: number): number => multiplierByAge[age] ?? 1;
  const countOrdinary = (lastAge: number): number => {
    let count = 0;
    for (let age = 1; age <= lastAge; age++) if (isOrdinary(age)) count += 1;
    return count;
  };

  // Relative sampling variance of a mean of `days` days of demand around `reference` units a day: (1/μ + 1/size) / n
  const dailyNoise = (reference: number): number => 1 / Math.max(reference, MIN_REFERENCE_LEVEL) + inverseSize;

  // Level from the item's own history, with its relative sampling variance
  let ownLevel = 0;
  let ownLevelVariance = Infinity;
  if (intermittent && ordinaryDays > 0) {
    // TSB: smoothed probability of a sale × smoothed size of a sale, updated day by day, oldest first. Unlike a plain
    // average it lets the probability decay through a long run without sales (an item going out of fashion)
    // on raw units: dividing lumpy sales by weekday multipliers fitted to those same sales biases the level down, and
    // the window spans whole weeks, so the plain mean is already the average weekday's
    let sizeSum = 0;
    let sizeSquaredSum = 0;
    for (let age = weeklyWindow; age >= 1; age--) {
      if (!isOrdinary(age) || !((units[age] ?? 0) > 0)) continue;
      const y = units[age] ?? 0;
      sizeSum += y;
      sizeSquaredSum += y * y;
    }
    let probability = saleDays / ordinaryDays;
    let saleSize = saleDays > 0 ? sizeSum / saleDays : 0;
    for (let age = weeklyWindow; age >= 1; age--) {
      if (!isOrdinary(age)) continue;
      const y = units[age] ?? 0;
      if (y > 0) {
        probability += alphaProbability * (1 - probability);
        saleSize += alphaSize * (y - saleSize);
      } else {
        probability -= alphaProbability * probability;
      }
    }
    ownLevel = probability * saleSize;
    // the product's relative variance is the sum of its factors': occurrences and sizes have their own memories
    const occurrenceDays = Math.min(ordinaryDays, (2 - alphaProbability) / alphaProbability);
    const sizeDays = Math.max(1, Math.min(saleDays, (2 - alphaSize) / alphaSize));
    const sizeMean = saleDays > 0 ? sizeSum / saleDays : 0;
    const sizeCvSquared =
      saleDays >= 2 && sizeMean > 0
        ? Math.max(0, (sizeSquaredSum - saleDays * sizeMean * sizeMean) / (saleDays - 1)) / (sizeMean * sizeMean)
        : 1;
    const occurrence = Math.max(probability, 1 / ordinaryDays);
    ownLevelVariance = (1 - occurrence) / (occurrence * occurrenceDays) + sizeCvSquared / sizeDays;
  } else {
    // exponentially weighted sales over exponentially weighted weekday multipliers (a ratio of sums: averaging
    // sales ÷ multiplier would be biased by the multipliers' own noise): recent weeks count most
    const decay = Math.pow(0.5, 1 / halfLife);
    let weight = 1;
    let weightSum = 0;
    let weightSquaredSum = 0;
    let weightedUnits = 0;
    let weightedMultipliers = 0;
    for (let age = 1; age <= levelWindow; age++, weight *= decay) {
      if (!isOrdinary(age)) continue;
      weightedUnits += weight * (units[age] ?? 0);
      weightedMultipliers += weight * weeklyAt(age);
      weightSum += weight;
      weightSquaredSum += weight * weight;
    }
    if (weightSum > 0) {
      ownLevel = weightedUnits / weightedMultipliers;
      ownLevelVariance = dailyNoise(ownLevel) / ((weightSum * weightSum) / weightSquaredSum);
    } else if (ordinaryDays > 0) {
      ownLevel = meanOfDowMeans;
      ownLevelVariance = dailyNoise(ownLevel) / ordinaryDays;
    }
  }

  // Shrink toward the peers' level: credibility = prior variance / (prior variance + sampling variance)
  const levelPriorVariance = levelPriorCv * levelPriorCv;
  const shrinkLevel = (own: number, ownVariance: number): { level: number; levelCv: number } => {
    if (!Number.isFinite(ownVariance)) return { level: peerLevel ?? 0, levelCv: peerLevel !== undefined ? levelPriorCv : 0 };
    if (peerLevel === undefined) return { level: own, levelCv: Math.sqrt(ownVariance) };
    // judge the noise at the larger of the two levels, so that a seller of nothing is not trusted for its zeros alone
    const variance = intermittent ? ownVariance : (ownVariance * dailyNoise(Math.max(own, peerLevel))) / dailyNoise(own);
    const z = levelPriorVariance / (levelPriorVariance + variance);
    // in log terms: a category's items sell at rates orders of magnitude apart, and a slow seller pulled linearly toward
    // the category's mean (its fast sellers' rate) came out at several times what it sells
    const level = own > 0 && peerLevel > 0 ? Math.exp(z * Math.log(own) + (1 - z) * Math.log(peerLevel)) : z * own + (1 - z) * peerLevel;
    return { level, levelCv: Math.sqrt(z * variance) };
  };
  let { level, levelCv } = shrinkLevel(ownLevel, ownLevelVariance);

  // Uplift: promoted days against the unpromoted days around them (same weeks, so level drift cancels)
  // prefix sums over age of ordinary days' units, multipliers and count
  for (let age = 1; age <= window; age++) {
    const ordinary = isOrdinary(age);
    unitsBefore[age + 1] = (unitsBefore[age] ?? 0) + (ordinary ? (units[age] ?? 0) : 0);
    multipliersBefore[age + 1] = (multipliersBefore[age] ?? 0) + (ordinary ? weeklyAt(age) : 0);
    countBefore[age + 1] = (countBefore[age] ?? 0) + (ordinary ? 1 : 0);
  }
  // ordinary days that serve as some promoted day's baseline, each counted once: the baseline's sample size
  let promotedUnits = 0;
  let promotedBaseline = 0;
  let promotedDays = 0;
  let uncensoredPromotedDays = 0;
  // promoted days that sold out: their sales are a floor, not the demand. Leaving them out would bias the uplift down
  // (the busiest promoted days are the ones that sell out), so they count at their expected demand above that floor
  let soldOutUnits: number[] | null = null;
  let soldOutBaselines: number[] | null = null;
  for (let age = 1; age <= upliftWindow; age++) {
    const dayFlags = (flags[age] ?? 0) & (OBSERVED | CENSORED | PROMOTED);
    const soldOut = dayFlags === (OBSERVED | CENSORED | PROMOTED) && (units[age] ?? 0) > 0;
    if (dayFlags !== (OBSERVED | PROMOTED) && !soldOut) continue;
    const from = Math.max(1, age - BASELINE_HALF_WIDTH_DAYS);
    const to = Math.min(window, age + BASELINE_HALF_WIDTH_DAYS);
    const count = (countBefore[to + 1] ?? 0) - (countBefore[from] ?? 0);
    let baseline = ownLevel;
    if (count >= MIN_BASELINE_DAYS) {
      baseline =
        ((unitsBefore[to + 1] ?? 0) - (unitsBefore[from] ?? 0)) /
        ((multipliersBefore[to + 1] ?? 0) - (multipliersBefore[from] ?? 0));
      for (let neighbour = from; neighbour <= to; neighbour++) if (isOrdinary(neighbour)) inBaseline[neighbour] = 1;
    }
    promotedBaseline += baseline * weeklyAt(age);
    promotedDays += 1;
    if (soldOut) {
      (soldOutUnits ??= []).push(units[age] ?? 0);
      (soldOutBaselines ??= []).push(baseline * weeklyAt(age));
    } else {
      promotedUnits += units[age] ?? 0;
      uncensoredPromotedDays += 1;
    }
  }
  // only days that did not sell out bound the uplift from above: without enough of them it is not learned at all
  const upliftLearned = uncensoredPromotedDays >= minPromotedDays && promotedBaseline > 0;
  if (upliftLearned && soldOutUnits !== null && soldOutBaselines !== null) {
    // EM on the ratio of means: impute each sold-out day's demand above its sales at the current uplift, re-estimate
    const observedUnits = promotedUnits;
    // from the floor: every sold-out day at its sales
    let ratio = Math.max(observedUnits + soldOutUnits.reduce((sum, sold) => sum + sold, 0), 0.5) / promotedBaseline;
    for (let iteration = 0; iteration < CENSORED_UPLIFT_ITERATIONS; iteration++) {
      let imputed = 0;
      for (let index = 0; index < soldOutUnits.length; index++) {
        const mean = (soldOutBaselines[index] ?? 0) * ratio;
        imputed += negBinomialMeanAbove(soldOutUnits[index] ?? 0, mean, 1 / inverseSize);
      }
      promotedUnits = observedUnits + imputed;
      const next = promotedUnits / promotedBaseline;
      const converged = Math.abs(next - ratio) <= 1e-3 * ratio;
      ratio = next;
      if (converged) break;
    }
  }
  let baselineDays = 0;
  for (let age = 1; age <= window; age++) baselineDays += inBaseline[age] ?? 0;
  if (baselineDays === 0) baselineDays = ordinaryDays;
  let upliftEvidence: UpliftEvidence | undefined;
  if (upliftLearned) {
    // ratio of means; its variance counts the promoted days' noise and the baseline's
    const baselineLevel = promotedBaseline / promotedDays;
    upliftEvidence = {
      logUplift: clamp(Math.log(Math.max(promotedUnits, 0.5) / promotedBaseline), MIN_LOG_UPLIFT, MAX_LOG_UPLIFT),
      variance:
        dailyNoise(promotedUnits / promotedDays) / promotedDays + dailyNoise(baselineLevel) / Math.max(1, baselineDays),
    };
  }
  const { uplift, upliftSource, upliftCv, upliftPrior } = shrinkUplift(upliftEvidence, prior, options);

  if (!Number.isFinite(ownLevelVariance)) {
    // no ordinary day in the window (a price cut that ran for months): the level is what the promoted days sold at the
    // uplift assumed, rather than the peers' or nothing at all
    let promotedSales = 0;
    let promotedMultipliers = 0;
    let promotedCount = 0;
    for (let age = 1; age <= weeklyWindow; age++) {
      if (((flags[age] ?? 0) & (OBSERVED | CENSORED | PROMOTED)) !== (OBSERVED | PROMOTED)) continue;
      promotedSales += units[age] ?? 0;
      promotedMultipliers += weeklyAt(age);
      promotedCount += 1;
    }
    if (promotedCount > 0 && uplift > 0) {
      const own = promotedSales / (promotedMultipliers * uplift);
      ({ level, levelCv } = shrinkLevel(own, dailyNoise(own) / promotedCount + (upliftCv ?? 0) ** 2));
    }
  }

  return {
    method: intermittent ? "intermittent" : "smooth",
    level,
    weekly,
    uplift,
    upliftSource,
    upliftPrior,
    size: 1 / inverseSize,
    daysUsed: countOrdinary(Math.max(levelWindow, weeklyWindow)) + uncensoredPromotedDays,
    levelCv,
    upliftCv,
    ...(upliftEvidence ? { upliftEvidence } : {}),
  };
}

/**
 * A planner's uplift for one promotion is a guess at this promotion's effect (its discount, its place in the ad): about
 * as far off as one item's uplift is from its category's.
 */
export const PLANNED_UPLIFT_CV = 0.35;

/**
 * The uplift to forecast with: the item's own evidence shrunk in log terms toward a prior, by credibility = prior
 * variance / (prior variance + the evidence's sampling variance). The prior is the planned uplift of the promotion in
 * view when there is one, else the category's learned uplift, else the default.
 */
function shrinkUplift(
  evidence: UpliftEvidence | undefined,
  prior: DemandPrior,
  options: Pick<FitDemandOptions, "upliftPriorCv">,
): Pick<DemandModel, "uplift" | "upliftSource" | "upliftCv" | "upliftPrior"> {
  const plannedUplift = positiveOr(prior.plannedUplift, 0) || undefined;
  const categoryUplift = positiveOr(prior.categoryUplift, 0) || undefined;
  const upliftPrior = plannedUplift !== undefined ? "planned" : categoryUplift !== undefined ? "category" : "default";
  const fallbackUplift = plannedUplift ?? categoryUplift ?? positiveOr(prior.defaultUplift, 1);
  const upliftPriorCv = positiveOr(
    options.upliftPriorCv,
    upliftPrior === "planned" ? PLANNED_UPLIFT_CV : upliftPrior === "category" ? positiveOr(prior.categoryUpliftCv, 0.35) : 0.5,
  );
  if (evidence === undefined) return { uplift: fallbackUplift, upliftSource: upliftPrior, upliftCv: upliftPriorCv, upliftPrior };
  const upliftPriorVariance = upliftPriorCv * upliftPriorCv;
  const z = upliftPriorVariance / (upliftPriorVariance + evidence.variance);
  return {
    uplift: Math.exp(z * evidence.logUplift + (1 - z) * Math.log(fallbackUplift)),
    upliftSource: "item",
    upliftCv: Math.sqrt(z * evidence.variance),
    upliftPrior,
  };
}

/**
 * A fitted model with its uplift shrunk toward another prior's (a category's uplift learned after the item was fitted,
 * or the planned uplift of the promotion in view): the same model fitDemand would give with that prior, without
 * refitting. The level and its prior are untouched.
 */
export function withUpliftPrior(model: DemandModel, prior: DemandPrior, options: Pick<FitDemandOptions, "upliftPriorCv"> = {}): DemandModel {
  return { ...model, ...shrinkUplift(model.upliftEvidence, prior, options) };
}

/** Fewest items with their own promotion evidence before a category's uplift is learned from them. */
const MIN_POOLED_ITEMS = 3;
/** A learned category spread is kept within these (log terms): items always keep some room to differ. */
const MIN_CATEGORY_UPLIFT_CV = 0.1;
const MAX_CATEGORY_UPLIFT_CV = 0.5;

/**
 * The uplift of a category learned from its items' own promotion evidence (random effects, DerSimonian–Laird): the
 * mean log uplift weighted by each item's precision, and the spread of items around it (between-item variance plus the
 * mean's own uncertainty), as `categoryUplift` and `categoryUpliftCv` of a prior. Null with fewer than 3 such items.
 */
export function poolUplifts(models: ReadonlyArray<Pick<DemandModel, "upliftEvidence">>): Pick<DemandPrior, "categoryUplift" | "categoryUpliftCv"> | null {
  let items = 0;
  let weightSum = 0;
  let weightSquaredSum = 0;
  let weightedSum = 0;
  let weightedSquaredSum = 0;
  for (const { upliftEvidence: evidence } of models) {
    if (!evidence || !(evidence.variance > 0) || !Number.isFinite(evidence.logUplift)) continue;
    const weight = 1 / evidence.variance;
    items += 1;
    weightSum += weight;
    weightSquaredSum += weight * weight;
    weightedSum += weight * evidence.logUplift;
    weightedSquaredSum += weight * evidence.logUplift * evidence.logUplift;
  }
  if (items < MIN_POOLED_ITEMS) return null;
  // Cochran's Q around the fixed-effect mean, and the between-item variance it implies
  const fixedMean = weightedSum / weightSum;
  const q = Math.max(0, weightedSquaredSum - weightSum * fixedMean * fixedMean);
  const between = Math.max(0, (q - (items - 1)) / (weightSum - weightSquaredSum / weightSum));
  let randomWeightSum = 0;
  let randomWeightedSum = 0;
  for (const { upliftEvidence: evidence } of models) {
    if (!evidence || !(evidence.variance > 0) || !Number.isFinite(evidence.logUplift)) continue;
    const weight = 1 / (evidence.variance + between);
    randomWeightSum += weight;
    randomWeightedSum += weight * evidence.logUplift;
  }
  const mean = randomWeightedSum / randomWeightSum;
  return {
    categoryUplift: Math.exp(mean),
    categoryUpliftCv: clamp(Math.sqrt(between + 1 / randomWeightSum), MIN_CATEGORY_UPLIFT_CV, MAX_CATEGORY_UPLIFT_CV),
  };
}

/** Expected units on one future day. */
export function expectedUnits(model: DemandModel, day: FutureDay): number {
  const multiplier = model.weekly[dayOfWeek(day.date)] ?? 1;
  return model.level * multiplier * (day.promoted ? model.uplift : 1);
}

/** Relative standard errors carried by a fitted model; 0 when absent (a model built elsewhere). */
export function modelUncertainty(model: DemandModel): { levelCv: number; upliftCv: number } {
  const levelCv = model.levelCv;
  const upliftCv = model.upliftCv;
  return {
    levelCv: levelCv !== undefined && Number.isFinite(levelCv) && levelCv > 0 ? levelCv : 0,
    upliftCv: upliftCv !== undefined && Number.isFinite(upliftCv) && upliftCv > 0 ? upliftCv : 0,
  };
}

/**
 * The size of one day's predictive distribution: the daily noise plus the uncertainty of level (and uplift on a
 * promoted day), moment-matched into one negative binomial (1/size adds up).
 */
export function predictiveSize(model: DemandModel, promoted: boolean): number {
  const { levelCv, upliftCv } = modelUncertainty(model);
  const inverseSize = (model.size > 0 ? 1 / model.size : 0) + levelCv * levelCv + (promoted ? upliftCv * upliftCv : 0);
  return inverseSize > 1 / POISSON_SIZE ? 1 / inverseSize : Infinity;
}

export function forecastDays(model: DemandModel, days: FutureDay[]): DayForecast[] {
  return days.map((day) => {
    const mean = expectedUnits(model, day);
    const size = predictiveSize(model, day.promoted);
    return {
      date: day.date,
      promoted: day.promoted,
      mean,
      low: negBinomialQuantile(0.1, mean, size),
      high: negBinomialQuantile(0.9, mean, size),
    };
  });
}
