/** The backtest's output: a side-by-side table for people, or the JSON shape for tools. */
import { PROMOTION_ALERT_WINDOW_DAYS, promotionAlertProbability } from "../forecast/index.js";
import type { MethodMetrics } from "./backtest-metrics.js";
import type { BacktestParameters, BacktestReport } from "./run-backtest.js";
import { METHODS, type Method } from "./shelf-simulation.js";

const METHOD_TITLES: Record<Method, string> = { shelfwatch: "Shelfwatch", reorderPoint: "Reorder point", daysOfCover: "Days of cover" };

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

/** exactly {"methods": {"shelfwatch": M, "reorderPoint": M, "daysOfCover": M}} */
export function renderBacktestJson(report: BacktestReport): string {
  return `${JSON.stringify({
    methods: { shelfwatch: methodJson(report.methods.shelfwatch), reorderPoint: methodJson(report.methods.reorderPoint), daysOfCover: methodJson(report.methods.daysOfCover) },
  })}\n`;
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
    `Alerts: Shelfwatch P(stockout before next delivery or promotion end) ≥ ${params.threshold}` +
      ` (≥ ${promotionAlertProbability(params.threshold, PROMOTION_ALERT_WINDOW_DAYS + 1)} for a promotion more than ${PROMOTION_ALERT_WINDOW_DAYS} days away;` +
      ` model refitted every ${params.refitDays} days, ${report.fits} fits);` +
      ` reorder point on hand ≤ average × ${params.leadDays} + z(${params.ropServiceLevel})·σ·√${params.leadDays}; days of cover < ${params.reviewDays + params.leadDays}`,
  );
  lines.push(
    `  warned = episode started ≥ ${params.minWarningDays} days before the event; horizon ${params.horizonDays} days` +
      (params.extendHorizonToPromotionEnd ? ", extended to the end of a promotion within it" : ""),
  );
  lines.push("");
  lines.push(`${"".padEnd(labelWidth)}${METHODS.map((m) => METHOD_TITLES[m].padStart(columnWidth)).join("")}`);
  for (const row of rows) {
    const [label, cell] = row;
    if (cell === undefined) {
      lines.push(label);
      continue;
    }
    lines.push(`${label.padEnd(labelWidth)}${METHODS.map((m) => cell(report.methods[m]).padStart(columnWidth)).join("")}`);
  }
  return `${lines.join("\n")}\n`;
}
