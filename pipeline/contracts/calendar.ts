/**
 * Proleptic Gregorian calendar arithmetic on integer day numbers (days since
 * 1970-01-01), with no `Date` involved: `Date.UTC` maps years 0–99 to 1900–1999
 * and `Date.parse` is lenient, so neither is used for contract rules.
 *
 * @module
 */

/** Milliseconds in one day. */
export const DAY_MS = 86_400_000;

/**
 * Day number (days since 1970-01-01) of a civil date. H. Hinnant's algorithm.
 *
 * @example
 * ```ts
 * daysFromCivil(1970, 1, 1); // 0
 * ```
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date `[year, month, day]` of a day number; the inverse of `daysFromCivil`. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
}

/** True for Gregorian leap years. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month (1–12) of a year. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** True when year/month/day name a real calendar date (years 0–9999). */
export function isCivilDate(year: number, month: number, day: number): boolean {
  return Number.isInteger(year) && year >= 0 && year <= 9999 && month >= 1 && month <= 12 &&
    day >= 1 && day <= daysInMonth(year, month);
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDayNumber(days: number): number {
  return ((((days % 7) + 7) % 7) + 3) % 7 + 1;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * `YYYY-MM-DD` of a day number; throws outside years 0000–9999.
 *
 * @example
 * ```ts
 * formatDayNumber(0); // "1970-01-01"
 * ```
 */
export function formatDayNumber(days: number): string {
  if (!Number.isSafeInteger(days)) throw new RangeError(`Day number "${days}" is not an integer`);
  const [y, m, d] = civilFromDays(days);
  if (y < 0 || y > 9999) throw new RangeError(`Day number "${days}" is outside years 0000–9999`);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a `YYYY-MM-DD` string, or `null` when it is not a real calendar date. */
export function dayNumberOrNull(day: string): number | null {
  const m = typeof day === "string" ? DAY_RE.exec(day) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isCivilDate(y, mo, d) ? daysFromCivil(y, mo, d) : null;
}

/** Day number of a `YYYY-MM-DD` string; throws a RangeError when it is not a real date. */
export function dayNumber(day: string): number {
  const n = dayNumberOrNull(day);
  if (n === null) throw new RangeError(`Day "${day}" is not a valid YYYY-MM-DD date`);
  return n;
}
