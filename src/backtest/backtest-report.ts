/** The backtest's output: a side-by-side table for people, or the JSON shape for tools. */
import { EARLY_PROMOTION_ALERT_PROBABILITY, PROMOTION_ALERT_WINDOW_DAYS, promotionAlertProbability } from "../alerts/alert-policy.js";
import type { CalibrationBand, MethodMetrics } from "./backtest-metrics.js";
import type { BacktestParameters, BacktestReport, RiskMethod, ThresholdSweepRow } from "./run-backtest.js";
import { METHODS, type Method } from "./shelf-simulation.js";

type ReportedMethod = Method | "oracle";

const METHOD_TITLES: Record<ReportedMethod, string> = { shelfwatch: "Shelfwatch", reorderPoint: "Reorder point", daysOfCover: "Days of cover", oracle: "Oracle" };

/** the methods the report has, in column order: the oracle last, when it ran */
function reportedMethods(report: BacktestReport): ReportedMethod[] {
  return report.methods.oracle ? [...METHODS, "oracle"] : [...METHODS];
}

function round(value: number, digits = 4): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function methodJson(metrics: MethodMetrics) {
  return {
    recall: round(metrics.recall),
    precision: round(metrics.precision),
    f1: round(metrics.f1),
    medianLeadDays: round(metrics.medianLeadDays, 2),
    alertsPerStoreDay: round(metrics.alertsPerStoreDay),
    mase: round(metrics.mase),
    advertised: { recall: round(metrics.advertised.recall), precision: round(metrics.advertised.precision), f1: round(metrics.advertised.f1) },
  };
}

/** a swept threshold's metrics: the forecast, and so the MASE, is the run's */
function sweptJson(metrics: MethodMetrics) {
  const { mase: _mase, ...rest } = methodJson(metrics);
  return rest;
}

function calibrationJson(bands: readonly CalibrationBand[]) {
  return bands.map((band) => ({ low: band.low, high: band.high, mornings: band.mornings, meanPredicted: round(band.meanPredicted), observed: round(band.observed) }));
}

/**
 * exactly {"methods": {"shelfwatch": M, "reorderPoint": M, "daysOfCover": M}, "calibration": {"shelfwatch": [B]}};
 * with a truth file, "oracle": M after the methods and "oracle": [B] after Shelfwatch's bands; with a threshold sweep,
 * "thresholdSweep": [{"threshold": T, "shelfwatch": M′, "oracle": M′}] after "methods". B: {low, high, mornings,
 * meanPredicted, observed}, one per band of 0.1.
 */
export function backtestJson(report: BacktestReport) {
  const { oracle } = report.methods;
  return {
    methods: {
      shelfwatch: methodJson(report.methods.shelfwatch),
      reorderPoint: methodJson(report.methods.reorderPoint),
      daysOfCover: methodJson(report.methods.daysOfCover),
      ...(oracle ? { oracle: methodJson(oracle) } : {}),
    },
    ...(report.thresholdSweep
      ? {
          thresholdSweep: report.thresholdSweep.map((row) => ({
            threshold: row.threshold,
            shelfwatch: sweptJson(row.shelfwatch),
            ...(row.oracle ? { oracle: sweptJson(row.oracle) } : {}),
          })),
        }
      : {}),
    calibration: {
      shelfwatch: calibrationJson(report.calibration.shelfwatch),
      ...(report.calibration.oracle ? { oracle: calibrationJson(report.calibration.oracle) } : {}),
    },
  };
}

export function renderBacktestJson(report: BacktestReport): string {
  return `${JSON.stringify(backtestJson(report))}\n`;
}

/** The swept row with the best advertised F1 for a method (the lower threshold on a tie), or null without a sweep. */
export function bestAdvertisedF1(rows: readonly ThresholdSweepRow[], method: RiskMethod): { threshold: number; metrics: MethodMetrics } | null {
  let best: { threshold: number; metrics: MethodMetrics } | null = null;
  for (const row of rows) {
    const metrics = row[method];
    if (metrics && (best === null || metrics.advertised.f1 > best.metrics.advertised.f1)) best = { threshold: row.threshold, metrics };
  }
  return best;
}

const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : "–");
const decimal = (digits: number) => (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : "–");

export interface ReportContext {
  params: BacktestParameters;
  firstScoredDate: string;
  lastDate: string;
  seconds: number;
}

export function renderBacktestTable(report: BacktestReport, context: ReportContext): string {
  const { params } = context;
  const rows: Array<[string, (m: MethodMetrics) => string] | [string]> = [
    ["All stockout events"],
    ["  recall (warned ≥ min warning days ahead)", (m) => percent(m.recall)],
    ["  precision (alert followed by a stockout)", (m) => percent(m.precision)],
    ["  F1", (m) => percent(m.f1)],
    ["  median warning lead time (days)", (m) => decimal(1)(m.medianLeadDays)],
    ["  alerts per store per day", (m) => decimal(2)(m.alertsPerStoreDay)],
    ["  MASE, 7 days ahead (vs seasonal naive)", (m) => decimal(3)(m.mase)],
    ["Advertised items"],
    ["  recall", (m) => percent(m.advertised.recall)],
    ["  precision", (m) => percent(m.advertised.precision)],
    ["  F1", (m) => percent(m.advertised.f1)],
  ];
  const labelWidth = Math.max(...rows.map((r) => r[0].length)) + 2;
  const columnWidth = 15;
  const lines: string[] = [];
  lines.push(
    `Backtest: ${report.series} series at ${report.stores} store${report.stores === 1 ? "" : "s"}, ${report.scoredDays} days scored ` +
      `(${context.firstScoredDate} to ${context.lastDate}, after ${params.warmupDays} days of warm-up), in ${context.seconds.toFixed(1)} s`,
  );
  lines.push(
    `Shelf: review every ${params.reviewDays} days, lead time ${params.leadDays} days, order up to ${params.windowDays}-day average × ${params.reviewDays + params.leadDays}` +
      ` + z(${params.serviceLevel})·σ·√${params.reviewDays + params.leadDays}, at least ${params.minStock} units`,
  );
  lines.push(
    `  ${percent(report.stockoutDayShare)} of item-days short; ${report.stockoutEvents} stockout events, ${report.advertisedStockoutEvents} of them on advertised items` +
      ` (${percent(report.promotedDayShare)} of item-days promoted)`,
  );
  lines.push(
    `Alerts: Shelfwatch P(stockout before the first delivery an order placed today would not beat, or before the promotion's end) ≥ ${params.threshold}` +
      ` (≥ ${promotionAlertProbability(params.threshold, PROMOTION_ALERT_WINDOW_DAYS + 1)} for a promotion more than ${PROMOTION_ALERT_WINDOW_DAYS} days away;` +
      ` model refitted every ${params.refitDays} days, ${report.fits} fits; orders known: ${params.knownOrders === "none" ? "none, replenishment inferred from the receipts" : "those placed, the rest inferred from the receipts"});` +
      ` reorder point on hand ≤ average × ${params.leadDays} + z(${params.ropServiceLevel})·σ·√${params.leadDays}; days of cover < ${params.reviewDays + params.leadDays}`,
  );
  if (report.methods.oracle) {
    lines.push("  oracle: Shelfwatch's risk computation and alert rule fed with the true demand distribution (truth file), no fitted model");
  }
  lines.push(
    `  warned = episode started ≥ ${params.minWarningDays} days before the event; horizon ${params.horizonDays} days` +
      (params.extendHorizonToPromotionEnd ? ", extended to the end of a promotion within it" : ""),
  );
  lines.push("");
  const methods = reportedMethods(report);
  lines.push(`${"".padEnd(labelWidth)}${methods.map((m) => METHOD_TITLES[m].padStart(columnWidth)).join("")}`);
  for (const row of rows) {
    const [label, cell] = row;
    if (cell === undefined) {
      lines.push(label);
      continue;
    }
    lines.push(`${label.padEnd(labelWidth)}${methods.map((m) => cell(report.methods[m]!).padStart(columnWidth)).join("")}`);
  }
  lines.push("", ...calibrationLines(report.calibration));
  if (report.thresholdSweep) lines.push("", ...thresholdSweepLines(report.thresholdSweep, params));
  return `${lines.join("\n")}\n`;
}

/** a band with fewer mornings than this is marked: its observed share is too noisy to read much into */
export const CALIBRATION_MIN_MORNINGS = 200;

/** each column's title and width */
const CALIBRATION_COLUMNS: Array<[string, number]> = [
  ["mornings", 10],
  ["mean predicted", 16],
  ["observed", 10],
];

/** The reliability table: per band of probability, each risk method's mornings, mean probability and observed share. */
function calibrationLines(calibration: BacktestReport["calibration"]): string[] {
  const methods: RiskMethod[] = calibration.oracle ? ["shelfwatch", "oracle"] : ["shelfwatch"];
  const bandWidth = 12;
  const groupWidth = CALIBRATION_COLUMNS.reduce((sum, [, width]) => sum + width, 2);
  const lines = [
    "Calibration: each assessed morning's P(stockout) by band, against the share of those mornings that ran out within the window it was",
    "  about (to the day before the first delivery an order placed that morning would not beat, or to the promotion's end);\n  mornings whose window runs past the data are left out",
    `${"".padEnd(bandWidth)}${methods.map((m) => `    ${METHOD_TITLES[m]}`.padEnd(groupWidth)).join("")}`.trimEnd(),
    `${"band".padEnd(bandWidth)}${methods.map(() => `${CALIBRATION_COLUMNS.map(([title, width]) => title.padStart(width)).join("")}  `).join("")}`.trimEnd(),
  ];
  let marked = false;
  calibration.shelfwatch.forEach((band, index) => {
    const label = `[${band.low.toFixed(1)}, ${band.high.toFixed(1)}${index === calibration.shelfwatch.length - 1 ? "]" : ")"}`;
    const groups = methods.map((method) => {
      const { mornings, meanPredicted, observed } = calibration[method]![index]!;
      const few = mornings < CALIBRATION_MIN_MORNINGS;
      marked ||= few;
      const cells = [String(mornings), percent(meanPredicted), percent(observed)];
      return `${cells.map((cell, column) => cell.padStart(CALIBRATION_COLUMNS[column]![1])).join("")}${few ? " *" : "  "}`;
    });
    lines.push(`${label.padEnd(bandWidth)}${groups.join("")}`.trimEnd());
  });
  if (marked) lines.push(`* fewer than ${CALIBRATION_MIN_MORNINGS} mornings`);
  return lines;
}

const SWEEP_COLUMNS: Array<[string, (m: MethodMetrics) => string]> = [
  ["adv recall", (m) => percent(m.advertised.recall)],
  ["adv prec", (m) => percent(m.advertised.precision)],
  ["adv F1", (m) => percent(m.advertised.f1)],
  ["all F1", (m) => percent(m.f1)],
  ["alerts/s/d", (m) => decimal(2)(m.alertsPerStoreDay)],
];

/** The sweep as a table: one row per threshold, each risk method's advertised and overall scores; then the best. */
function thresholdSweepLines(sweep: readonly ThresholdSweepRow[], params: BacktestParameters): string[] {
  const methods: RiskMethod[] = sweep.some((row) => row.oracle) ? ["shelfwatch", "oracle"] : ["shelfwatch"];
  const cellWidth = 11;
  const groupWidth = cellWidth * SWEEP_COLUMNS.length;
  const lines = [
    `Threshold sweep: the same alert rule at other thresholds (a promotion more than ${PROMOTION_ALERT_WINDOW_DAYS} days away still needs` +
      ` ≥ max(threshold, ${EARLY_PROMOTION_ALERT_PROBABILITY})); advertised items, all events F1, alerts per store per day`,
    `${"".padEnd(10)}${methods.map((m) => `  ${METHOD_TITLES[m]}`.padEnd(groupWidth)).join("  ")}`,
    `${"threshold".padEnd(10)}${methods.map(() => SWEEP_COLUMNS.map(([title]) => title.padStart(cellWidth)).join("")).join("  ")}`,
  ];
  for (const row of sweep) {
    const marker = row.threshold === params.threshold ? " *" : "";
    lines.push(
      `${(row.threshold.toFixed(2) + marker).padEnd(10)}${methods.map((m) => SWEEP_COLUMNS.map(([, cell]) => cell(row[m]!).padStart(cellWidth)).join("")).join("  ")}`,
    );
  }
  for (const method of methods) {
    const best = bestAdvertisedF1(sweep, method);
    if (best === null) continue;
    lines.push(
      `Best advertised F1, ${METHOD_TITLES[method]}: ${percent(best.metrics.advertised.f1)} at ${best.threshold.toFixed(2)}` +
        ` (recall ${percent(best.metrics.advertised.recall)}, precision ${percent(best.metrics.advertised.precision)}, ${decimal(2)(best.metrics.alertsPerStoreDay)} alerts per store per day)`,
    );
  }
  if (sweep.some((row) => row.threshold === params.threshold)) lines.push(`* the run's --threshold (the table above)`);
  return lines;
}
