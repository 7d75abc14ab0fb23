import { describe, expect, it } from "vitest";
import { addDays, dayOfWeek } from "../../src/forecast/calendar.js";
import { fitDemand, forecastDays, poolUplifts, predictiveSize, withUpliftPrior } from "../../src/forecast/demand-model.js";
import type { DayRecord, DemandModel } from "../../src/forecast/forecast-types.js";
import { negBinomialPmf } from "../../src/forecast/negative-binomial.js";
import { createRandom, simulateHistory, weekendPattern } from "./series.js";

const START = "2024-03-04"; // a Monday
const NO_PRIOR = { defaultUplift: 1.5 };

/** The first day after a history. */
function dayAfter(history: DayRecord[]): string {
  return addDays(history[history.length - 1]?.date ?? START, 1);
}

/** P(demand = 0) on an unpromoted day under the model's predictive distribution. */
function probabilityOfNoSale(model: DemandModel, date: string): number {
  const [forecast] = forecastDays(model, [{ date, promoted: false }]);
  return negBinomialPmf(0, forecast?.mean ?? 0, predictiveSize(model, false));
}

describe("fitDemand: level and weekly pattern", () => {
  it("learns a steady seller's level and its weekend ×1.6", () => {
    const truth = weekendPattern(1.6);
    const history = simulateHistory(createRandom(11), { level: 60, weekly: truth, size: 200 }, START, 84);
    const model = fitDemand(history, NO_PRIOR);

    expect(model.method).toBe("smooth");
    // a weekday's mean over 12 weeks has a relative standard error of ~4.5% at this level: 12% is ~2.7 of them
    expect(model.level).toBeGreaterThan(60 * 0.94);
    expect(model.level).toBeLessThan(60 * 1.06);
    model.weekly.forEach((multiplier, dow) => {
      expect(Math.abs(multiplier / (truth[dow] ?? 1) - 1), `weekday ${dow}`).toBeLessThan(0.12);
    });
    const weekend = ((model.weekly[0] ?? 0) + (model.weekly[6] ?? 0)) / 2;
    const weekday = model.weekly.slice(1, 6).reduce((sum, m) => sum + m, 0) / 5;
    expect(weekend / weekday).toBeGreaterThan(1.6 * 0.9);
    expect(weekend / weekday).toBeLessThan(1.6 * 1.1);
    expect(model.weekly.reduce((sum, m) => sum + m, 0) / 7).toBeCloseTo(1, 10);
  });

  it("forecasts a Saturday above a Wednesday by the learned pattern", () => {
    const history = simulateHistory(createRandom(12), { level: 60, weekly: weekendPattern(1.6), size: 200 }, START, 84);
    const model = fitDemand(history, NO_PRIOR);
    const monday = dayAfter(history);
    expect(dayOfWeek(monday)).toBe(1);
    const [wednesday, saturday] = forecastDays(model, [
      { date: addDays(monday, 2), promoted: false },
      { date: addDays(monday, 5), promoted: false },
    ]);
    expect((saturday?.mean ?? 0) / (wednesday?.mean ?? 1)).toBeGreaterThan(1.4);
    expect(wednesday?.low).toBeLessThan(wednesday?.mean ?? 0);
    expect(wednesday?.high).toBeGreaterThan(wednesday?.mean ?? 0);
  });

  it("reads the history in any order", () => {
    const history = simulateHistory(createRandom(13), { level: 8, weekly: weekendPattern(1.3), size: 10 }, START, 70);
    const shuffled = [...history].reverse();
    expect(fitDemand(shuffled, NO_PRIOR)).toEqual(fitDemand(history, NO_PRIOR));
  });
});

describe("fitDemand: promotions", () => {
  const promotedDays = (day: number) => (day >= 14 && day < 21) || (day >= 42 && day < 49) || (day >= 70 && day < 77);

  it("reads the level off the promoted days at the assumed uplift when a price cut ran through the whole window", () => {
    // ×1.5 on every one of the last 84 days, as a months-long price cut in a sales file: no ordinary day to learn from
    const process = { level: 2, weekly: weekendPattern(1), size: 5, uplift: 1.5 };
    const history = simulateHistory(createRandom(23), process, START, 84, () => true);
    const model = fitDemand(history, { defaultUplift: 1.5 });

    expect(model.upliftSource).toBe("default");
    // it used to fall to nothing (no peers to borrow from), forecasting no sales on the promoted days it had just seen
    expect(model.level).toBeGreaterThan(2 * 0.8);
    expect(model.level).toBeLessThan(2 * 1.2);
    const [promoted] = forecastDays(model, [{ date: dayAfter(history), promoted: true }]);
    expect(promoted?.mean).toBeGreaterThan(3 * 0.8);
    // as unsure as the uplift it rests on, at least
    expect(model.levelCv).toBeGreaterThanOrEqual(0.5 * 0.9);
  });

  it("raises promoted days by the item's own learned uplift (×2.5)", () => {
    const process = { level: 30, weekly: weekendPattern(1.3), size: 30, uplift: 2.5 };
    const history = simulateHistory(createRandom(21), process, START, 84, promotedDays);
    const model = fitDemand(history, { defaultUplift: 1.5, categoryUplift: 1.8 });

    expect(model.upliftSource).toBe("item");
    const date = dayAfter(history);
    const [promoted, ordinary] = forecastDays(model, [
      { date, promoted: true },
      { date, promoted: false },
    ]);
    const ratio = (promoted?.mean ?? 0) / (ordinary?.mean ?? 1);
    // neither the category's 1.8 nor no uplift at all would pass
    expect(ratio).toBeGreaterThan(2.5 * 0.85);
    expect(ratio).toBeLessThan(2.5 * 1.15);
    // and the promoted days did not inflate the ordinary level
    expect(model.level).toBeGreaterThan(30 * 0.9);
    expect(model.level).toBeLessThan(30 * 1.1);
  });

  it("falls back to the category's uplift, then to the default, without promotion history", () => {
    const history = simulateHistory(createRandom(22), { level: 12, size: 10 }, START, 84);
    const withCategory = fitDemand(history, { defaultUplift: 1.5, categoryUplift: 1.8 });
    expect(withCategory).toMatchObject({ uplift: 1.8, upliftSource: "category" });
    const withDefault = fitDemand(history, { defaultUplift: 1.5 });
    expect(withDefault).toMatchObject({ uplift: 1.5, upliftSource: "default" });

    const date = dayAfter(history);
    const [promoted, ordinary] = forecastDays(withCategory, [
      { date, promoted: true },
      { date, promoted: false },
    ]);
    expect((promoted?.mean ?? 0) / (ordinary?.mean ?? 1)).toBeCloseTo(1.8, 10);
  });

  it("does not learn an uplift from promoted days that sold out", () => {
    const process = { level: 12, size: 10, uplift: 2.5 };
    const history = simulateHistory(createRandom(23), process, START, 84, promotedDays).map((day) =>
      day.promoted ? { ...day, units: 3, stockout: true } : day,
    );
    expect(fitDemand(history, { defaultUplift: 1.5, categoryUplift: 1.8 })).toMatchObject({ upliftSource: "category" });
  });

  it("learns the uplift from promoted days that sold out at their demand above the sales, not at the sales", () => {
    // ×2.5 on promoted days against a shelf of 28 units: the busiest promoted days sell out
    const process = { level: 12, weekly: weekendPattern(1.2), size: 10, uplift: 2.5 };
    const demand = simulateHistory(createRandom(27), process, START, 84, promotedDays);
    const sales = demand.map((day) => (day.promoted && day.units > 28 ? { ...day, units: 28, stockout: true } : day));
    const promoted = sales.filter((day) => day.promoted);
    expect(promoted.filter((day) => day.stockout).length).toBeGreaterThanOrEqual(promoted.length / 3);

    // what the same days say with nothing lost
    const uncensored = fitDemand(demand, { defaultUplift: 1.5 }).uplift;
    const model = fitDemand(sales, { defaultUplift: 1.5 });
    expect(model.upliftSource).toBe("item");
    expect(Math.abs(Math.log(model.uplift / uncensored))).toBeLessThan(Math.log(1.1));
    // read as demand, the sales of the sold-out days would drag it down
    const readAsDemand = fitDemand(sales.map((day) => ({ ...day, stockout: false })), { defaultUplift: 1.5 }).uplift;
    expect(readAsDemand).toBeLessThan(uncensored * 0.9);
  });

  it("keeps its own promotion evidence, and re-shrinks toward a category's uplift exactly as fitting with it", () => {
    const promotedItem = simulateHistory(createRandom(25), { level: 6, size: 8, uplift: 3 }, START, 84, (day) => day >= 60 && day < 64);
    const plainItem = simulateHistory(createRandom(26), { level: 6, size: 8 }, START, 84);
    const prior = { defaultUplift: 1.5 };
    const category = { ...prior, categoryUplift: 2.2, categoryUpliftCv: 0.15 };

    expect(fitDemand(promotedItem, prior).upliftEvidence?.variance).toBeGreaterThan(0);
    expect(fitDemand(plainItem, prior).upliftEvidence).toBeUndefined();
    for (const history of [promotedItem, plainItem]) {
      expect(withUpliftPrior(fitDemand(history, prior), category)).toEqual(fitDemand(history, category));
    }
    // four promoted days say little: a tight category pulls the uplift closer than a loose one
    const tight = fitDemand(promotedItem, category);
    const loose = fitDemand(promotedItem, { ...category, categoryUpliftCv: 0.5 });
    expect(Math.abs(Math.log(tight.uplift / 2.2))).toBeLessThan(Math.abs(Math.log(loose.uplift / 2.2)));
    expect(tight.upliftCv).toBeLessThan(loose.upliftCv ?? 0);
  });

  it("takes a promotion's planned uplift as the prior, ahead of the category's, and lets the item's own evidence outweigh it as it grows", () => {
    const planned = { defaultUplift: 1.5, categoryUplift: 1.8, plannedUplift: 3.2 };
    // without promotion history: the plan, as it is
    const plain = fitDemand(simulateHistory(createRandom(31), { level: 12, size: 10 }, START, 84), planned);
    expect(plain).toMatchObject({ uplift: 3.2, upliftSource: "planned", upliftPrior: "planned" });

    // the item's truth is ×2: four promoted days move it part of the way from the plan, three weeks nearly all of it
    const truth = { level: 20, size: 20, uplift: 2 };
    const fewDays = fitDemand(simulateHistory(createRandom(32), truth, START, 84, (day) => day >= 70 && day < 74), planned);
    const manyDays = fitDemand(simulateHistory(createRandom(32), truth, START, 84, promotedDays), planned);
    expect(fewDays).toMatchObject({ upliftSource: "item", upliftPrior: "planned" });
    expect(manyDays).toMatchObject({ upliftSource: "item", upliftPrior: "planned" });
    // how far each moved from the plan toward its own evidence (0: the plan, 1: the evidence alone)
    const weightOfEvidence = (model: DemandModel) => Math.log(model.uplift / 3.2) / ((model.upliftEvidence?.logUplift ?? Number.NaN) - Math.log(3.2));
    expect(weightOfEvidence(fewDays)).toBeGreaterThan(0.2);
    expect(weightOfEvidence(fewDays)).toBeLessThan(0.9);
    expect(weightOfEvidence(manyDays)).toBeGreaterThan(weightOfEvidence(fewDays));
    expect(Math.abs(Math.log(manyDays.uplift / 2))).toBeLessThan(Math.log(1.15));

    // the sweep adds the plan to a model fitted without it: the same as fitting with it
    const history = simulateHistory(createRandom(33), truth, START, 84, (day) => day >= 70 && day < 74);
    expect(withUpliftPrior(fitDemand(history, { defaultUplift: 1.5 }), planned)).toEqual(fitDemand(history, planned));
  });
});

describe("poolUplifts", () => {
  const item = (uplift: number, variance: number) => ({ upliftEvidence: { logUplift: Math.log(uplift), variance } });

  it("learns a category's uplift from its items' own promotions, each weighted by how well it was measured", () => {
    const pooled = poolUplifts([item(2.3, 0.01), item(2.5, 0.01), item(2.4, 0.01), item(4, 1)]);
    expect(pooled?.categoryUplift).toBeGreaterThan(2.3);
    expect(pooled?.categoryUplift).toBeLessThan(2.5);
    // the items agree within their noise, so they may differ by little: the floor
    expect(pooled?.categoryUpliftCv).toBeCloseTo(0.1, 10);
  });

  it("measures how far the items' uplifts differ beyond their noise", () => {
    const random = createRandom(27);
    // 60 items around ×2 with a spread of 0.3 in log terms, each measured to ±0.1
    const items = Array.from({ length: 60 }, () => {
      const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const noise = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return item(2 * Math.exp(0.3 * normal + 0.1 * noise), 0.01);
    });
    const pooled = poolUplifts(items);
    expect(pooled?.categoryUplift).toBeGreaterThan(2 * 0.9);
    expect(pooled?.categoryUplift).toBeLessThan(2 * 1.1);
    expect(pooled?.categoryUpliftCv).toBeGreaterThan(0.22);
    expect(pooled?.categoryUpliftCv).toBeLessThan(0.38);
  });

  it("learns nothing from fewer than three items with promotion evidence", () => {
    expect(poolUplifts([item(2, 0.01), item(2.2, 0.01), {}, { upliftEvidence: undefined }])).toBeNull();
    expect(poolUplifts([])).toBeNull();
  });
});

describe("fitDemand: intermittent sellers", () => {
  /** 2 units on about one day in five, nothing otherwise. */
  function lumpyHistory(seed: number): DayRecord[] {
    const random = createRandom(seed);
    return Array.from({ length: 84 }, (_, day) => ({
      date: addDays(START, day),
      units: random() < 0.2 ? 2 : 0,
      stockout: false,
      promoted: false,
    }));
  }

  it("gets a sensible rate and puts most of a day's mass on zero", () => {
    const history = lumpyHistory(31);
    const model = fitDemand(history, NO_PRIOR);
    expect(model.method).toBe("intermittent");
    expect(model.level).toBeGreaterThan(0.3);
    expect(model.level).toBeLessThan(0.5);

    const date = dayAfter(history);
    const noSale = probabilityOfNoSale(model, date);
    expect(noSale).toBeGreaterThan(0.6);
    // lumpier than a Poisson with the same mean (which would say 0.3 units, every day)
    expect(noSale).toBeGreaterThan(Math.exp(-model.level * (model.weekly[dayOfWeek(date)] ?? 1)) + 0.03);
    const [forecast] = forecastDays(model, [{ date, promoted: false }]);
    expect(forecast?.low).toBe(0);
  });

  it("is unbiased across many such items", () => {
    let levelSum = 0;
    let mostlyZero = 0;
    const items = 200;
    for (let seed = 1; seed <= items; seed++) {
      const history = lumpyHistory(1000 + seed);
      const model = fitDemand(history, NO_PRIOR);
      levelSum += model.level;
      if (probabilityOfNoSale(model, dayAfter(history)) > 0.6) mostlyZero++;
    }
    // one item's level has a relative standard error of ~25%; the mean of 200 of them ~1.8%, so ±5% is ~2.8 of those
    expect(levelSum / items).toBeGreaterThan(0.4 * 0.95);
    expect(levelSum / items).toBeLessThan(0.4 * 1.05);
    expect(mostlyZero / items).toBeGreaterThan(0.9);
  });
});

describe("fitDemand: censored days", () => {
  it("does not let a stockout drag the level down", () => {
    const history = simulateHistory(createRandom(41), { level: 60, weekly: weekendPattern(1.3), size: 200 }, START, 56);
    // a week-long stockout ending a week ago: a few units on its first day, then an empty shelf
    const censored = history.map((day, index) =>
      index >= 44 && index < 51 ? { ...day, units: index === 44 ? Math.floor(day.units / 3) : 0, stockout: true } : day,
    );
    const asIfRealZeros = censored.map((day) => ({ ...day, stockout: false }));

    const uncensoredFit = fitDemand(history, NO_PRIOR);
    const censoredFit = fitDemand(censored, NO_PRIOR);
    const zerosFit = fitDemand(asIfRealZeros, NO_PRIOR);

    expect(Math.abs(censoredFit.level / uncensoredFit.level - 1)).toBeLessThan(0.04);
    // the level's own sampling error is ~2.5% here, so 6% from the truth is ~2.4 of them
    expect(Math.abs(censoredFit.level / 60 - 1)).toBeLessThan(0.06);
    expect(censoredFit.daysUsed).toBe(uncensoredFit.daysUsed - 7);
    // the same zeros taken at face value cost about a fifth of the level
    expect(zerosFit.level).toBeLessThan(uncensoredFit.level * 0.88);
  });
});

describe("fitDemand: short histories", () => {
  it("shrinks a short history toward the peer level, and a long one hardly at all", () => {
    const random = createRandom(51);
    const short = simulateHistory(random, { level: 10, size: 10 }, START, 3);
    const ownShort = fitDemand(short, NO_PRIOR).level;
    const shrunkShort = fitDemand(short, { ...NO_PRIOR, peerLevel: 4 }).level;
    // in log terms, as item levels spread around their category's
    const pulledShort = Math.log(ownShort / shrunkShort) / Math.log(ownShort / 4);
    expect(pulledShort).toBeGreaterThan(0.04);
    expect(pulledShort).toBeLessThan(1);

    const long = simulateHistory(random, { level: 10, size: 10 }, START, 56);
    const ownLong = fitDemand(long, NO_PRIOR).level;
    const shrunkLong = fitDemand(long, { ...NO_PRIOR, peerLevel: 4 }).level;
    const pulledLong = Math.log(ownLong / shrunkLong) / Math.log(ownLong / 4);
    expect(pulledLong).toBeGreaterThan(0);
    expect(pulledLong).toBeLessThan(pulledShort / 4);
  });

  it("shrinks a slow seller toward a fast category in proportion, not by its units", () => {
    // about a unit every four days, for twelve weeks, in a category whose items sell about 7 a day on average
    const history = simulateHistory(createRandom(52), { level: 0.25, size: 1 }, START, 84);
    const own = fitDemand(history, NO_PRIOR);
    expect(own.method).toBe("intermittent");
    const shrunk = fitDemand(history, { ...NO_PRIOR, peerLevel: 7 });
    // pulled toward the peers, but by a factor, not to several times what it sells (it was 2.4 a day)
    expect(shrunk.level).toBeGreaterThan(own.level);
    expect(shrunk.level).toBeLessThan(own.level * 1.6);
  });

  it("takes the peers' level and pattern when there is no history at all", () => {
    const peerWeekly = [2.6, 1.8, 1.8, 1.8, 1.8, 2, 2.2]; // mean 2: rescaled to mean 1
    const model = fitDemand([], { defaultUplift: 1.5, peerLevel: 3, peerWeekly, categoryUplift: 1.7 });
    expect(model).toMatchObject({ level: 3, uplift: 1.7, upliftSource: "category", daysUsed: 0 });
    model.weekly.forEach((multiplier, dow) => expect(multiplier).toBeCloseTo((peerWeekly[dow] ?? 0) / 2, 10));
    expect(fitDemand([], NO_PRIOR).level).toBe(0);
  });

  it("reads days missing from a sparse sales table as days without sales, unless told they are unobserved", () => {
    const sparse: DayRecord[] = [0, 10, 20, 30, 40, 50].map((day) => ({
      date: addDays(START, day),
      units: 5,
      stockout: false,
      promoted: false,
    }));
    const asOf = addDays(START, 56);
    expect(fitDemand(sparse, NO_PRIOR, { asOf }).level).toBeLessThan(1);
    expect(fitDemand(sparse, NO_PRIOR, { asOf, missingDays: "unobserved" }).level).toBeCloseTo(5, 5);
  });
});
