/**
 * The calendar helpers the read functions need, re-exported from the
 * contracts, plus a day parser that never throws.
 *
 * @module
 */

import { dayNumber } from "../contracts/mod.ts";

export {
  addDays,
  bucketKind,
  isoWeekOfMonday,
  MAX_RANGE_DAYS,
  mondayOfIsoWeek,
} from "../contracts/mod.ts";

/** Day number of a `YYYY-MM-DD` text, or `null` when it is not a real date. */
export function dayNumberOrNullSafe(day: string): number | null {
  try {
    return dayNumber(day);
  } catch {
    return null;
  }
}
