/**
 * UTC calendar arithmetic for the generator and its answer key, on day
 * numbers (days since 1970-01-01). Written here rather than imported so that
 * the oracle shares no code with the pipeline it checks.
 *
 * @module
 */

/** Milliseconds in a UTC day. */
export const DAY_MS = 86_400_000;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The day number of a `YYYY-MM-DD` date; throws on anything else.
 *
 * @example
 * ```ts
 * dayNumber("1970-01-02"); // 1
 * ```
 */
export function dayNumber(date: string): number {
  const m = DAY_RE.exec(date);
  if (!m) throw new RangeError(`Date "${date}" is not YYYY-MM-DD`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / DAY_MS;
  if (dayString(day) !== date) throw new RangeError(`Date "${date}" does not exist`);
  return day;
}

/**
 * The `YYYY-MM-DD` text of a day number.
 *
 * @example
 * ```ts
 * dayString(0); // "1970-01-01"
 * ```
 */
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The day number of an epoch-ms instant. */
export function dayOfMs(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/**
 * Weekday of a day number, Monday = 0 … Sunday = 6.
 *
 * @example
 * ```ts
 * weekdayOf(dayNumber("2026-11-23")); // 0 (a Monday)
 * ```
 */
export function weekdayOf(day: number): number {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  return (((day + 3) % 7) + 7) % 7;
}

/** Day number of the Monday of the ISO week containing `day`. */
export function mondayOf(day: number): number {
  return day - weekdayOf(day);
}

/**
 * ISO week label (`2026-W48`) of a day number; the ISO year is the year of
 * the week's Thursday.
 *
 * @example
 * ```ts
 * isoWeekLabel(dayNumber("2027-01-01")); // "2026-W53"
 * ```
 */
export function isoWeekLabel(day: number): string {
  const thursday = mondayOf(day) + 3;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1) / DAY_MS;
  const week = Math.floor((thursday - jan1) / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/**
 * Month label (`2026-11`) of a day number.
 *
 * @example
 * ```ts
 * monthLabel(dayNumber("2026-11-30")); // "2026-11"
 * ```
 */
export function monthLabel(day: number): string {
  return dayString(day).slice(0, 7);
}

/** A month as one number (`year × 12 + month − 1`), for cheap map keys. */
export function monthIndex(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** The label of a `monthIndex`. */
export function monthIndexLabel(index: number): string {
  const year = Math.floor(index / 12);
  return `${year}-${String((index % 12) + 1).padStart(2, "0")}`;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const isoCache = { day: Number.NaN, prefix: "" };

/**
 * `new Date(ms).toISOString()` without the Date: the day prefix is cached and
 * the time of day built from lookup tables (the event writer's hot path).
 *
 * @example
 * ```ts
 * isoOfMs(Date.UTC(2026, 10, 24, 10, 15, 0, 123)); // "2026-11-24T10:15:00.123Z"
 * ```
 */
export function isoOfMs(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoCache.day) {
    isoCache.day = day;
    isoCache.prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  const t = splitTimeOfDay(ms - day * DAY_MS);
  return `${isoCache.prefix}${PAD2[t[0]]}:${PAD2[t[1]]}:${PAD2[t[2]]}.${PAD3[t[3]]}Z`;
}

const timeOfDay = new Int32Array(4);

/**
 * Hour, minute, second and millisecond of `msOfDay` (0 ≤ it < a day), in a
 * shared array that the next call overwrites: the event writers' hot paths
 * read it at once instead of allocating.
 *
 * @example
 * ```ts
 * splitTimeOfDay(36_907_123); // [10, 15, 7, 123]
 * ```
 */
export function splitTimeOfDay(msOfDay: number): Int32Array {
  let r = msOfDay;
  const hour = Math.floor(r / 3_600_000);
  r -= hour * 3_600_000;
  const minute = Math.floor(r / 60_000);
  r -= minute * 60_000;
  const second = Math.floor(r / 1000);
  timeOfDay[0] = hour;
  timeOfDay[1] = minute;
  timeOfDay[2] = second;
  timeOfDay[3] = r - second * 1000;
  return timeOfDay;
}
