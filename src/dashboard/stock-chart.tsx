/**
 * The item chart, drawn on the server as SVG: daily sales of the last weeks and the forecast with its 80% band (top),
 * on hand today and projected stock ahead (bottom), promotion windows shaded across both, deliveries marked. Geometry
 * is a pure function of the data (tested on its own); the component only draws it.
 */
import type { DayForecast, DayRecord, ExpectedDelivery } from "../forecast/forecast-types.js";
import { daysBetween } from "../forecast/calendar.js";
import { formatMeasure, formatQuantity } from "../sync/quantities.js";

export interface StockChartInput {
  /** store-local YYYY-MM-DD */
  today: string;
  history: DayRecord[];
  forecast: DayForecast[];
  onHand: number;
  /** expected on hand at the end of each forecast day */
  projectedStock: Array<{ date: string; expected: number }>;
  promotions: Array<{ name: string; startDate: string; endDate: string }>;
  deliveries: ExpectedDelivery[];
  projectedStockoutDate: string | null;
  /** what the quantities count: each (the default), or a measure such as kg or lb */
  unit?: string;
}

export const CHART = { width: 720, salesTop: 28, salesHeight: 150, stockTop: 228, stockHeight: 110, left: 44, right: 12, height: 372 } as const;

interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  date: string;
  units: number;
  stockout: boolean;
}

export interface ChartGeometry {
  from: string;
  to: string;
  salesMax: number;
  stockMax: number;
  bars: Bar[];
  /** polygon points of the forecast band, and the mean line */
  band: string;
  mean: string;
  /** projected stock line, starting at today's on hand */
  stock: string;
  todayX: number;
  promotions: Array<{ x: number; width: number; name: string; startDate: string; endDate: string }>;
  deliveries: Array<{ x: number; y: number; date: string; quantity: number }>;
  stockout: { x: number; date: string } | null;
  salesTicks: Array<{ y: number; label: string }>;
  stockTicks: Array<{ y: number; label: string }>;
  dateTicks: Array<{ x: number; label: string }>;
}

/** A round axis maximum: 1, 2 or 5 times a power of ten, at least the data's maximum. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function shortDate(date: string): string {
  const [, month, day] = date.split("-").map(Number);
  return `${day} ${MONTHS[(month ?? 1) - 1]}`;
}

const round = (value: number) => Math.round(value * 10) / 10;

export function chartGeometry(input: StockChartInput): ChartGeometry {
  const dates = [...input.history.map((d) => d.date), input.today, ...input.forecast.map((d) => d.date)].sort();
  const from = dates[0]!;
  const to = dates.at(-1)!;
  const span = Math.max(1, daysBetween(from, to) + 1);
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const dayWidth = plotWidth / span;
  const xOf = (date: string) => CHART.left + daysBetween(from, date) * dayWidth;
  const middle = (date: string) => xOf(date) + dayWidth / 2;

  const salesMax = niceMax(Math.max(0, ...input.history.map((d) => d.units), ...input.forecast.map((d) => d.high)));
  const salesY = (units: number) => CHART.salesTop + CHART.salesHeight * (1 - Math.min(units, salesMax) / salesMax);
  const stockValues = [input.onHand, ...input.projectedStock.map((p) => p.expected), ...input.deliveries.map((d) => d.quantity)];
  const stockMax = niceMax(Math.max(0, ...stockValues));
  const stockY = (units: number) => CHART.stockTop + CHART.stockHeight * (1 - Math.max(0, Math.min(units, stockMax)) / stockMax);

  const bars = input.history.map((day) => ({
    x: round(xOf(day.date) + dayWidth * 0.1),
    y: round(salesY(day.units)),
    width: round(dayWidth * 0.8),
    height: round(CHART.salesTop + CHART.salesHeight - salesY(day.units)),
    date: day.date,
    units: day.units,
    stockout: day.stockout,
  }));
  const upper = input.forecast.map((d) => `${round(middle(d.date))},${round(salesY(d.high))}`);
  const lower = input.forecast.map((d) => `${round(middle(d.date))},${round(salesY(d.low))}`).reverse();
  const stockPoints = [`${round(middle(input.today))},${round(stockY(input.onHand))}`, ...input.projectedStock.map((p) => `${round(middle(p.date))},${round(stockY(p.expected))}`)];

  const clampDate = (date: string) => (date < from ? from : date > to ? to : date);
  const promotions = input.promotions
    .filter((p) => p.endDate >= from && p.startDate <= to)
    .map((p) => {
      const start = clampDate(p.startDate);
      const end = clampDate(p.endDate);
      return { x: round(xOf(start)), width: round((daysBetween(start, end) + 1) * dayWidth), name: p.name, startDate: p.startDate, endDate: p.endDate };
    });
  const deliveries = input.deliveries
    .filter((d) => d.date >= from && d.date <= to)
    .map((d) => ({ x: round(middle(d.date)), y: CHART.stockTop + CHART.stockHeight, date: d.date, quantity: d.quantity }));

  const ticks = (max: number, y: (v: number) => number) => [0, max / 2, max].map((v) => ({ y: round(y(v)), label: String(Math.round(v * 10) / 10) }));
  const weekly = dates.filter((date, i) => i === 0 || daysBetween(from, date) % 7 === 0).filter((d, i, all) => all.indexOf(d) === i);

  return {
    from,
    to,
    salesMax,
    stockMax,
    bars,
    band: [...upper, ...lower].join(" "),
    mean: input.forecast.map((d) => `${round(middle(d.date))},${round(salesY(d.mean))}`).join(" "),
    stock: stockPoints.join(" "),
    todayX: round(xOf(input.today)),
    promotions,
    deliveries,
    stockout: input.projectedStockoutDate && input.projectedStockoutDate >= from && input.projectedStockoutDate <= to ? { x: round(middle(input.projectedStockoutDate)), date: input.projectedStockoutDate } : null,
    salesTicks: ticks(salesMax, salesY),
    stockTicks: ticks(stockMax, stockY),
    dateTicks: weekly.map((date) => ({ x: round(xOf(date)), label: shortDate(date) })),
  };
}

/** One sentence for screen readers: what the picture says. */
export function chartSummary(input: StockChartInput): string {
  const sold = input.history.reduce((sum, d) => sum + d.units, 0);
  const expected = input.forecast.reduce((sum, d) => sum + d.mean, 0);
  const parts = [
    `${formatQuantity(sold, input.unit)} sold in the last ${input.history.length} days`,
    `${formatMeasure(Math.round(expected), input.unit)} expected in the next ${input.forecast.length}`,
    `${formatMeasure(input.onHand, input.unit)} on hand now`,
    input.projectedStockoutDate ? `projected to run out on ${shortDate(input.projectedStockoutDate)}` : "not projected to run out in this period",
  ];
  for (const p of input.promotions) parts.push(`promotion ${p.name} from ${shortDate(p.startDate)} to ${shortDate(p.endDate)}`);
  for (const d of input.deliveries) parts.push(`delivery of ${formatMeasure(d.quantity, input.unit)} expected on ${shortDate(d.date)}`);
  return `${parts.join("; ")}.`;
}

const COLOURS = { sold: "#1d4ed8", stockoutDay: "#b91c1c", band: "#bfdbfe", mean: "#1e3a8a", stock: "#047857", promotion: "#fef3c7", today: "#4b5563", text: "#374151", grid: "#e5e7eb" };

export function StockChart(props: { input: StockChartInput; title: string }) {
  const g = chartGeometry(props.input);
  const salesBottom = CHART.salesTop + CHART.salesHeight;
  const stockBottom = CHART.stockTop + CHART.stockHeight;
  return (
    <svg viewBox={`0 0 ${CHART.width} ${CHART.height}`} width="100%" role="img" aria-labelledby="chart-title chart-desc" class="stock-chart">
      <title id="chart-title">{props.title}</title>
      <desc id="chart-desc">{chartSummary(props.input)}</desc>
      {g.promotions.map((p) => (
        <rect class="promotion" x={p.x} y={CHART.salesTop} width={p.width} height={stockBottom - CHART.salesTop} fill={COLOURS.promotion}>
          <title>{`${p.name}: ${p.startDate} to ${p.endDate}`}</title>
        </rect>
      ))}
      <text x={CHART.left} y={16} font-size="13" fill={COLOURS.text} font-weight="bold">Units sold per day, and forecast with its 80% band</text>
      <text x={CHART.left} y={CHART.stockTop - 12} font-size="13" fill={COLOURS.text} font-weight="bold">Stock on hand: now and projected</text>
      {[...g.salesTicks, ...g.stockTicks].map((t) => (
        <g>
          <line x1={CHART.left} x2={CHART.width - CHART.right} y1={t.y} y2={t.y} stroke={COLOURS.grid} />
          <text x={CHART.left - 6} y={t.y + 4} font-size="11" text-anchor="end" fill={COLOURS.text}>{t.label}</text>
        </g>
      ))}
      {g.bars.map((b) => (
        <rect class={b.stockout ? "bar stockout" : "bar"} x={b.x} y={b.y} width={b.width} height={b.height} fill={b.stockout ? COLOURS.stockoutDay : COLOURS.sold}>
          <title>{`${b.date}: ${b.units} sold${b.stockout ? " (shelf empty part of the day)" : ""}`}</title>
        </rect>
      ))}
      {g.band ? <polygon class="band" points={g.band} fill={COLOURS.band} /> : null}
      {g.mean ? <polyline class="mean" points={g.mean} fill="none" stroke={COLOURS.mean} stroke-width="2" /> : null}
      <polyline class="stock" points={g.stock} fill="none" stroke={COLOURS.stock} stroke-width="2.5" />
      <line class="today" x1={g.todayX} x2={g.todayX} y1={CHART.salesTop} y2={stockBottom} stroke={COLOURS.today} stroke-dasharray="4 3" />
      <text x={g.todayX + 3} y={CHART.salesTop + 10} font-size="11" fill={COLOURS.text}>today</text>
      {g.stockout ? (
        <g class="stockout-marker">
          <line x1={g.stockout.x} x2={g.stockout.x} y1={CHART.stockTop} y2={stockBottom} stroke={COLOURS.stockoutDay} stroke-width="2" />
          <text x={g.stockout.x + 3} y={CHART.stockTop + 12} font-size="11" fill={COLOURS.stockoutDay}>runs out</text>
        </g>
      ) : null}
      {g.deliveries.map((d) => (
        <g class="delivery">
          <path d={`M${d.x - 6},${d.y} L${d.x + 6},${d.y} L${d.x},${d.y - 10} Z`} fill={COLOURS.stock} />
          <text x={d.x} y={d.y - 14} font-size="11" text-anchor="middle" fill={COLOURS.text}>{`+${d.quantity}`}</text>
          <title>{`Delivery of ${d.quantity} expected ${d.date}`}</title>
        </g>
      ))}
      <line x1={CHART.left} x2={CHART.width - CHART.right} y1={salesBottom} y2={salesBottom} stroke={COLOURS.text} />
      <line x1={CHART.left} x2={CHART.width - CHART.right} y1={stockBottom} y2={stockBottom} stroke={COLOURS.text} />
      {g.dateTicks.map((t) => (
        <text x={t.x} y={stockBottom + 16} font-size="11" fill={COLOURS.text}>{t.label}</text>
      ))}
    </svg>
  );
}
