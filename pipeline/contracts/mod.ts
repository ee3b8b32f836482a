/**
 * The data contracts of shared/spec/sources.md and the money and bucket rules
 * of shared/spec/kpis.md, as code. Rules and decisions: docs/contracts.md.
 *
 * @module
 */

export * from "./types.ts";
export * from "./values.ts";
export * from "./forbidden_keys.ts";
export * from "./money.ts";
export * from "./buckets.ts";
export { civilFromDays, DAY_MS, dayNumber, daysFromCivil, formatDayNumber } from "./calendar.ts";
export * from "./rejection.ts";
export * from "./events.ts";
export * from "./header.ts";
export * from "./orders.ts";
export * from "./inventory.ts";
