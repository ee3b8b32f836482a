/**
 * KPI buckets of shared/spec/kpis.md ("Buckets"), all UTC: a day
 * `2026-11-25`, an ISO week `2026-W48`, a month `2026-11`, or `all`.
 * Functions given a malformed day or week throw a RangeError.
 *
 * @module
 */

import {
  civilFromDays,
  DAY_MS,
  dayNumber,
  dayNumberOrNull,
  daysFromCivil,
  formatDayNumber,
  weekdayOfDayNumber,
} from "./calendar.ts";

/** The kinds of bucket. */
export type BucketKind = "day" | "week" | "month" | "all";

/** The bucket that spans all time. */
export const ALL_BUCKET = "all";

/** `daysInRange` refuses ranges longer than this many days (about ten years). */
export const MAX_RANGE_DAYS = 3660;

function dayNumberOfMs(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError(`Time "${ms}" is not a finite number`);
  return Math.floor(ms / DAY_MS);
}

/**
 * UTC day of an epoch-ms time.
 *
 * @example
 * ```ts
 * dayOf(Date.UTC(2026, 10, 25, 23, 59)); // "2026-11-25"
 * ```
 */
export function dayOf(ms: number): string {
  return formatDayNumber(dayNumberOfMs(ms));
}

/** ISO week `[year, week]` of a day number. */
function isoWeekParts(days: number): [number, number] {
  const thursday = days + 4 - weekdayOfDayNumber(days);
  const [year] = civilFromDays(thursday);
  return [year, Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1];
}

function formatWeek(year: number, week: number): string {
  return `${String(year).padStart(4, "0")}-W${String(week).padStart(2, "0")}`;
}

/** Number of ISO weeks (52 or 53) in an ISO year. */
export function isoWeeksInYear(year: number): number {
  return isoWeekParts(daysFromCivil(year, 12, 28))[1];
}

/**
 * ISO week of a `YYYY-MM-DD` day.
 *
 * @example
 * ```ts
 * isoWeekOfDay("2021-01-03"); // "2020-W53"
 * ```
 */
export function isoWeekOfDay(day: string): string {
  return formatWeek(...isoWeekParts(dayNumber(day)));
}

/**
 * ISO week of an epoch-ms time (UTC).
 *
 * @example
 * ```ts
 * isoWeekOf(Date.UTC(2026, 10, 25)); // "2026-W48"
 * ```
 */
export function isoWeekOf(ms: number): string {
  return formatWeek(...isoWeekParts(dayNumberOfMs(ms)));
}

/**
 * UTC month `YYYY-MM` of an epoch-ms time.
 *
 * @example
 * ```ts
 * monthOf(Date.UTC(2026, 10, 25)); // "2026-11"
 * ```
 */
export function monthOf(ms: number): string {
  return dayOf(ms).slice(0, 7);
}

/**
 * The four buckets an epoch-ms time falls in: `[day, week, month, "all"]`.
 *
 * @example
 * ```ts
 * bucketsOf(Date.UTC(2026, 10, 25)); // ["2026-11-25", "2026-W48", "2026-11", "all"]
 * ```
 */
export function bucketsOf(ms: number): [string, string, string, string] {
  const days = dayNumberOfMs(ms);
  const day = formatDayNumber(days);
  return [day, formatWeek(...isoWeekParts(days)), day.slice(0, 7), ALL_BUCKET];
}

const WEEK_RE = /^(\d{4})-W(\d{2})$/;

/** Day number of the Monday of an ISO week, or `null` when the week does not exist. */
function mondayNumberOrNull(week: string): number | null {
  const m = typeof week === "string" ? WEEK_RE.exec(week) : null;
  if (!m) return null;
  const year = Number(m[1]);
  const w = Number(m[2]);
  if (w < 1 || w > isoWeeksInYear(year)) return null;
  const jan4 = daysFromCivil(year, 1, 4);
  const monday = jan4 - (weekdayOfDayNumber(jan4) - 1) + 7 * (w - 1);
  // Week 1 of year 0000 starts in year -1, outside the supported range.
  return civilFromDays(monday)[0] < 0 ? null : monday;
}

function mondayNumber(week: string): number {
  const n = mondayNumberOrNull(week);
  if (n === null) throw new RangeError(`Week "${week}" is not a valid ISO week like "2026-W48"`);
  return n;
}

/**
 * Monday (`YYYY-MM-DD`) of an ISO week.
 *
 * @example
 * ```ts
 * mondayOfIsoWeek("2026-W48"); // "2026-11-23"
 * ```
 */
export function mondayOfIsoWeek(week: string): string {
  return formatDayNumber(mondayNumber(week));
}

/**
 * ISO week named by its Monday; throws when the day is not a Monday.
 *
 * @example
 * ```ts
 * isoWeekOfMonday("2026-11-23"); // "2026-W48"
 * ```
 */
export function isoWeekOfMonday(monday: string): string {
  const n = dayNumber(monday);
  if (weekdayOfDayNumber(n) !== 1) throw new RangeError(`Day "${monday}" is not a Monday`);
  return formatWeek(...isoWeekParts(n));
}

/**
 * The ISO week `k` weeks after `week` (negative `k` goes back).
 *
 * @example
 * ```ts
 * addIsoWeeks("2026-W53", 1); // "2027-W01"
 * ```
 */
export function addIsoWeeks(week: string, k: number): string {
  if (!Number.isSafeInteger(k)) throw new RangeError(`Week offset "${k}" is not an integer`);
  return formatWeek(...isoWeekParts(mondayNumber(week) + 7 * k));
}

/**
 * Whole weeks from `a` to `b` (b − a).
 *
 * @example
 * ```ts
 * isoWeekDiff("2026-W52", "2027-W01"); // 2 (2026 has a W53)
 * ```
 */
export function isoWeekDiff(a: string, b: string): number {
  return (mondayNumber(b) - mondayNumber(a)) / 7;
}

/**
 * The day `n` days after `day` (negative `n` goes back).
 *
 * @example
 * ```ts
 * addDays("2028-02-28", 1); // "2028-02-29"
 * ```
 */
export function addDays(day: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`Day offset "${n}" is not an integer`);
  return formatDayNumber(dayNumber(day) + n);
}

/**
 * Every day from `from` to `to`, inclusive. Throws when `from` is after `to`
 * or the range is longer than 3660 days.
 *
 * @example
 * ```ts
 * daysInRange("2026-12-31", "2027-01-01"); // ["2026-12-31", "2027-01-01"]
 * ```
 */
export function daysInRange(from: string, to: string): string[] {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (a > b) throw new RangeError(`Range start "${from}" is after its end "${to}"`);
  if (b - a + 1 > MAX_RANGE_DAYS) {
    throw new RangeError(`Range "${from}" to "${to}" is longer than ${MAX_RANGE_DAYS} days`);
  }
  const days: string[] = [];
  for (let n = a; n <= b; n++) days.push(formatDayNumber(n));
  return days;
}

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * The kind of a bucket name, or `null` when it is not one (format and calendar
 * are both checked: `2026-02-30` and `2025-W53` are `null`).
 *
 * @example
 * ```ts
 * bucketKind("2026-W53"); // "week"
 * ```
 */
export function bucketKind(b: string): BucketKind | null {
  if (b === ALL_BUCKET) return "all";
  if (typeof b !== "string") return null;
  if (dayNumberOrNull(b) !== null) return "day";
  if (mondayNumberOrNull(b) !== null) return "week";
  if (MONTH_RE.test(b)) return "month";
  return null;
}

/**
 * Epoch ms of the start (00:00 UTC) of a day.
 *
 * @example
 * ```ts
 * dayStartMs("1970-01-02"); // 86400000
 * ```
 */
export function dayStartMs(day: string): number {
  return dayNumber(day) * DAY_MS;
}

/**
 * ISO weekday of a day: 1 = Monday … 7 = Sunday.
 *
 * @example
 * ```ts
 * weekdayOf("2026-11-25"); // 3 (Wednesday)
 * ```
 */
export function weekdayOf(day: string): number {
  return weekdayOfDayNumber(dayNumber(day));
}

/**
 * The month `YYYY-MM` of a day.
 *
 * @example
 * ```ts
 * monthOfDay("2026-11-25"); // "2026-11"
 * ```
 */
export function monthOfDay(day: string): string {
  dayNumber(day);
  return day.slice(0, 7);
}

/** True when `day` is a real `YYYY-MM-DD` calendar date. */
export function isDay(day: string): boolean {
  return dayNumberOrNull(day) !== null;
}
