/**
 * The contract of the forecasting code: pure functions over these shapes, no I/O. The service (sweep), the backtest and
 * the API all call the same functions.
 */

/** One store-local day of an item's history at one store. */
export interface DayRecord {
  /** YYYY-MM-DD, store-local */
  date: string;
  /** units sold that day (net; never negative here: callers clamp refunds) */
  units: number;
  /** the shelf was empty for part or all of the day: sales understate demand (censored) */
  stockout: boolean;
  /** a promotion for this item ran at this store that day */
  promoted: boolean;
}

/** What is known beyond the item's own history, to shrink toward when that history is short. */
export interface DemandPrior {
  /** typical daily units of comparable items (same category at the store), for shrinkage of the level */
  peerLevel?: number;
  /** day-of-week multipliers of comparable items (index 0 = Sunday), mean 1 */
  peerWeekly?: number[];
  /** promotion uplift learned over the item's category (multiplier, e.g. 1.8): what the item's own uplift shrinks toward */
  categoryUplift?: number;
  /** spread of items' uplifts around categoryUplift, in log terms (poolUplifts learns it; default 0.35) */
  categoryUpliftCv?: number;
  /**
   * the uplift the planner gave the promotion in view (its line in the ad calendar): what the item's own uplift shrinks
   * toward instead of the category's, since it speaks of this promotion (its depth of discount, its ad space)
   */
  plannedUplift?: number;
  /** configured default uplift when nothing was learned */
  defaultUplift: number;
}

export interface DemandModel {
  /** "smooth" for regular sellers, "intermittent" for items with many zero days (Croston/TSB family) */
  method: "smooth" | "intermittent";
  /** expected units per (unpromoted, average weekday) day */
  level: number;
  /** day-of-week multipliers, index 0 = Sunday, mean 1 */
  weekly: number[];
  /** multiplier on promoted days, and where it came from */
  uplift: number;
  upliftSource: "item" | "planned" | "category" | "default";
  /**
   * what the uplift was shrunk toward (the item's own evidence, when upliftSource is "item", counts as much as its
   * sample allows; absent on models built elsewhere)
   */
  upliftPrior?: "planned" | "category" | "default";
  /** negative binomial dispersion: variance = mean + mean^2 / size (size = Infinity means Poisson) */
  size: number;
  /** how many uncensored days the fit used */
  daysUsed: number;
  /** relative standard error of level: shared by every forecast day, so it widens sums over a horizon (absent: 0) */
  levelCv?: number;
  /** relative standard error of uplift: shared by every promoted day (absent: 0) */
  upliftCv?: number;
  /** the item's own promotion evidence before shrinkage (absent when it has too few promoted days to learn from) */
  upliftEvidence?: UpliftEvidence;
}

/** What an item's promoted days say about its uplift on their own: what a category's uplift is pooled from. */
export interface UpliftEvidence {
  /** log of promoted demand over the baseline of the same weeks (sold-out days imputed above their sales) */
  logUplift: number;
  /** its sampling variance */
  variance: number;
}

/** One future day to forecast. */
export interface FutureDay {
  date: string;
  promoted: boolean;
}

export interface DayForecast {
  date: string;
  promoted: boolean;
  /** expected units */
  mean: number;
  /** central 80% band of that day's demand */
  low: number;
  high: number;
}

export interface ExpectedDelivery {
  /** store-local date it is expected to be on the shelf */
  date: string;
  quantity: number;
}

export interface StockoutRiskInput {
  /** store-local today (the first forecast day is today) */
  today: string;
  onHand: number;
  model: DemandModel;
  /** consecutive days from today on, long enough to cover the promotion end and the next delivery */
  days: FutureDay[];
  deliveries: ExpectedDelivery[];
  /** last day of the running or upcoming promotion, if the item is advertised */
  promotionEnd?: string;
  /** last day of the window an alert decides about (see alert-policy): its probability comes back too */
  decisionEnd?: string;
  /** only the probabilities are wanted: quantityToLastPromotion (a search over many runs) comes back null */
  probabilitiesOnly?: boolean;
}

export interface StockoutRisk {
  /** the first day on which expected cumulative demand exceeds on hand plus deliveries so far (null: not within the days) */
  projectedStockoutDate: string | null;
  /** days the current stock lasts at expected demand, ignoring deliveries (fractional) */
  daysOfCover: number;
  /** probability of running out on or before the promotion's last day (null when not advertised) */
  probabilityBeforePromotionEnd: number | null;
  /** probability of running out before the next expected delivery lands (null when none is expected within the days) */
  probabilityBeforeNextDelivery: number | null;
  /** probability of running out within the days given */
  probabilityWithinHorizon: number;
  /** probability of running out on or before decisionEnd (null when none was given) */
  probabilityBeforeDecision?: number | null;
  /** units to add now so that the stock lasts to the promotion's end with 90% probability (0 when it already does) */
  quantityToLastPromotion: number | null;
  /** expected stock at the end of each day, for charts */
  projectedStock: Array<{ date: string; expected: number }>;
}
