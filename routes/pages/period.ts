/**
 * The period a page shows, from its query string: a UTC day, an ISO week, a
 * month, a custom range of days, or all time; with the previous period of
 * the same kind and length for comparisons.
 *
 * Query: `period=day|week|month|custom|all`, `date=YYYY-MM-DD` (any day inside
 * the day, week or month), `from`/`to` for a custom range. Anything invalid
 * falls back to the page's default, anchored on today, so a bad link never
 * breaks a page.
 *
 * @module
 */

import {
  addDays,
  addIsoWeeks,
  daysInRange,
  isoWeekOfDay,
  mondayOfIsoWeek,
} from "../../pipeline/contracts/buckets.ts";
import { dayNumberOrNull, daysInMonth } from "../../pipeline/contracts/calendar.ts";

/** Kinds of period. */
export type PeriodKind = "day" | "week" | "month" | "custom" | "all";

/** A period of a page. */
export interface Period {
  kind: PeriodKind;
  /** First day shown, inclusive. For `all`: the first day of the trailing charts window. */
  from: string;
  /** Last day shown, inclusive. */
  to: string;
  /** The KPI bucket (`2026-11-25`, `2026-W48`, `2026-11`, `all`); `null` for custom ranges. */
  bucket: string | null;
  /** Human label, e.g. `Week 48, 2026 (23 – 29 Nov)`. */
  label: string;
}

/** What a page accepts. */
export interface PeriodOptions {
  /** Today, UTC `YYYY-MM-DD`. */
  today: string;
  /** Kinds the page offers (order of the picker). */
  kinds: PeriodKind[];
  /** The kind when none (or a refused one) is asked for. */
  fallback: PeriodKind;
}

/** Longest custom range, days. */
export const MAX_CUSTOM_DAYS = 366;

/** Days of the charts window of `all`. */
export const ALL_WINDOW_DAYS = 90;

const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function isDay(value: string | null): value is string {
  return value !== null && dayNumberOrNull(value) !== null;
}

/**
 * `25 Nov 2026`, or `25 Nov` with `withYear` false.
 *
 * @example
 * ```ts
 * shortDay("2026-11-25"); // "25 Nov 2026"
 * ```
 */
export function shortDay(day: string, withYear = true): string {
  const month = MONTHS[Number(day.slice(5, 7)) - 1];
  const d = String(Number(day.slice(8, 10)));
  return withYear ? `${d} ${month} ${day.slice(0, 4)}` : `${d} ${month}`;
}

function weekdayName(day: string): string {
  const n = dayNumberOrNull(day)!;
  return WEEKDAYS[((((n % 7) + 7) % 7) + 3) % 7];
}

function lastOfMonth(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return `${month}-${String(daysInMonth(y, m)).padStart(2, "0")}`;
}

/** The day period containing `day`. */
export function dayPeriod(day: string): Period {
  return {
    kind: "day",
    from: day,
    to: day,
    bucket: day,
    label: `${weekdayName(day)} ${shortDay(day)}`,
  };
}

/** The ISO week period containing `day`. */
export function weekPeriod(day: string): Period {
  const week = isoWeekOfDay(day);
  const from = mondayOfIsoWeek(week);
  const to = addDays(from, 6);
  const [year, w] = week.split("-W");
  return {
    kind: "week",
    from,
    to,
    bucket: week,
    label: `Week ${Number(w)}, ${year} (${shortDay(from, false)} – ${shortDay(to, false)})`,
  };
}

/** The month period containing `day`. */
export function monthPeriod(day: string): Period {
  const month = day.slice(0, 7);
  return {
    kind: "month",
    from: `${month}-01`,
    to: lastOfMonth(month),
    bucket: month,
    label: `${MONTH_NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`,
  };
}

/** A custom range of days (swapped if reversed, clipped to {@link MAX_CUSTOM_DAYS}). */
export function customPeriod(from: string, to: string): Period {
  let [a, b] = from <= to ? [from, to] : [to, from];
  if (daysBetween(a, b) + 1 > MAX_CUSTOM_DAYS) a = addDays(b, -(MAX_CUSTOM_DAYS - 1));
  const n = daysBetween(a, b) + 1;
  const sameYear = a.slice(0, 4) === b.slice(0, 4);
  return {
    kind: "custom",
    from: a,
    to: b,
    bucket: null,
    label: `${shortDay(a, !sameYear)} – ${shortDay(b)} (${n} day${n === 1 ? "" : "s"})`,
  };
}

/** All time; its charts show the {@link ALL_WINDOW_DAYS} days up to `today`. */
export function allPeriod(today: string): Period {
  return {
    kind: "all",
    from: addDays(today, -(ALL_WINDOW_DAYS - 1)),
    to: today,
    bucket: "all",
    label: "All time",
  };
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return dayNumberOrNull(b)! - dayNumberOrNull(a)!;
}

/**
 * The period of a query string.
 *
 * @example
 * ```ts
 * parsePeriod(new URLSearchParams("period=week&date=2026-11-25"), {
 *   today: "2026-11-30", kinds: ["day", "week", "month", "custom"], fallback: "week",
 * }).bucket; // "2026-W48"
 * ```
 */
export function parsePeriod(params: URLSearchParams, options: PeriodOptions): Period {
  const asked = params.get("period") as PeriodKind | null;
  const kind = asked && options.kinds.includes(asked) ? asked : options.fallback;
  const date = params.get("date");
  const anchor = isDay(date) ? date : options.today;
  switch (kind) {
    case "day":
      return dayPeriod(anchor);
    case "month":
      return monthPeriod(anchor);
    case "all":
      return allPeriod(options.today);
    case "custom": {
      const from = params.get("from");
      const to = params.get("to");
      if (isDay(from) && isDay(to)) return customPeriod(from, to);
      return customPeriod(addDays(options.today, -27), options.today);
    }
    default:
      return weekPeriod(anchor);
  }
}

/**
 * The period just before, of the same kind and length (`null` for all time):
 * the previous day, ISO week or month, or the same number of days before a
 * custom range.
 *
 * @example
 * ```ts
 * previousPeriod(monthPeriod("2026-03-10"))?.bucket; // "2026-02"
 * ```
 */
export function previousPeriod(p: Period): Period | null {
  switch (p.kind) {
    case "day":
      return dayPeriod(addDays(p.from, -1));
    case "week":
      return weekPeriod(mondayOfIsoWeek(addIsoWeeks(p.bucket!, -1)));
    case "month":
      return monthPeriod(addDays(p.from, -1));
    case "custom": {
      const n = daysBetween(p.from, p.to) + 1;
      return customPeriod(addDays(p.from, -n), addDays(p.from, -1));
    }
    default:
      return null;
  }
}

/** The period just after (`null` for all time). */
export function nextPeriod(p: Period): Period | null {
  switch (p.kind) {
    case "day":
      return dayPeriod(addDays(p.to, 1));
    case "week":
      return weekPeriod(addDays(p.to, 1));
    case "month":
      return monthPeriod(addDays(p.to, 1));
    case "custom": {
      const n = daysBetween(p.from, p.to) + 1;
      return customPeriod(addDays(p.to, 1), addDays(p.to, n));
    }
    default:
      return null;
  }
}

/**
 * The query string that selects a period.
 *
 * @example
 * ```ts
 * periodQuery(weekPeriod("2026-11-25")); // "period=week&date=2026-11-23"
 * ```
 */
export function periodQuery(p: Period): string {
  if (p.kind === "custom") return `period=custom&from=${p.from}&to=${p.to}`;
  if (p.kind === "all") return "period=all";
  return `period=${p.kind}&date=${p.from}`;
}

/** Every day of a period (its charts window for `all`). */
export function periodDays(p: Period): string[] {
  return daysInRange(p.from, p.to);
}
