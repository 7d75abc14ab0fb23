export * from "./stores.js";
export * from "./items.js";
export * from "./stock.js";
export * from "./imports.js";
export * from "./api-keys.js";
export * from "./promotions.js";
export * from "./deliveries.js";
export * from "./risk.js";
