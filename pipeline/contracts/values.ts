/**
 * Generic value rules of shared/spec/sources.md ("Generic value rules"):
 * absent tokens, text, integers, decimals, timestamps (forbidden keys:
 * `forbidden_keys.ts`).
 * Every parser returns a `FieldResult`; absent values are `ok` with `undefined`
 * so that the caller decides between `missing_required` and a default.
 *
 * @module
 */

import type { ReasonCode } from "./types.ts";
import { DAY_MS, daysFromCivil, isCivilDate } from "./calendar.ts";
import { charLength, kindOf, quote } from "./describe.ts";

export { charLength, kindOf, quote } from "./describe.ts";

/** The outcome of parsing one field value. */
export type FieldResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: ReasonCode; message: string };

/** Text tokens that mean *absent* (after trimming; matched exactly, case included). */
export const ABSENT_TOKENS: readonly string[] = ["null", "NULL", "N/A", "n/a", "NaN", "-"];

/** A record timed more than this after its receipt is `future_timestamp` (24 h). */
export const FUTURE_TOLERANCE_MS = 24 * 3_600_000;

/** Decimals accept at most this many fractional digits. */
export const MAX_DECIMALS = 4;

/** Decimals accept at most this many integer digits (beyond: `invalid_value`). */
export const MAX_DECIMAL_INTEGER_DIGITS = 15;

function fail<T>(reason: ReasonCode, message: string): FieldResult<T> {
  return { ok: false, reason, message };
}

/**
 * True for `undefined`, `null`, `NaN`, and strings that trim to "" or to a
 * null token (`null`, `NULL`, `N/A`, `n/a`, `NaN`, `-`).
 *
 * @example
 * ```ts
 * isAbsent("  N/A "); // true
 * isAbsent("0"); // false
 * ```
 */
export function isAbsent(raw: unknown): boolean {
  if (raw === undefined || raw === null) return true;
  if (typeof raw === "number") return Number.isNaN(raw);
  if (typeof raw !== "string") return false;
  const t = raw.trim();
  return t === "" || ABSENT_TOKENS.includes(t);
}

/**
 * Parses a text field: trimmed; absent → `undefined`; numbers (spreadsheet
 * cells) and bigints become their decimal text; other non-strings are
 * `invalid_type`; a length (code points) outside `min`–`max` is `invalid_value`.
 *
 * @example
 * ```ts
 * parseText("  A-1 ", { field: "order_id", min: 1, max: 64 }); // { ok: true, value: "A-1" }
 * ```
 */
export function parseText(
  raw: unknown,
  opts: { field: string; min: number; max: number },
): FieldResult<string | undefined> {
  if (isAbsent(raw)) return { ok: true, value: undefined };
  let text: string;
  if (typeof raw === "string") text = raw.trim();
  else if (typeof raw === "number" && Number.isFinite(raw)) text = String(raw);
  else if (typeof raw === "bigint") text = String(raw);
  else {
    return fail(
      "invalid_type",
      `Field "${opts.field}" must be text, got ${kindOf(raw)} ${quote(raw)}`,
    );
  }
  const len = charLength(text);
  if (len < opts.min || len > opts.max) {
    return fail(
      "invalid_value",
      `Field "${opts.field}" must be ${opts.min}–${opts.max} characters, got ${len}: ${
        quote(text)
      }`,
    );
  }
  return { ok: true, value: text };
}

const INTEGER_RE = /^([+-]?)(\d+)(?:\.0+)?$/;

/**
 * Parses an integer field: digits with an optional sign and an optional
 * all-zero fraction (`3`, `3.0`, `+3`, `-2`); numbers are accepted when
 * integral. Other forms are `invalid_type`; beyond the safe-integer range is
 * `invalid_value`. Range rules (≥ 0, ≥ 1) are the caller's.
 *
 * @example
 * ```ts
 * parseInteger("3.00", "quantity"); // { ok: true, value: 3 }
 * parseInteger("3.5", "quantity").ok; // false (invalid_type)
 * ```
 */
export function parseInteger(raw: unknown, field: string): FieldResult<number | undefined> {
  if (isAbsent(raw)) return { ok: true, value: undefined };
  if (typeof raw === "number") {
    if (!Number.isInteger(raw)) {
      return fail("invalid_type", `Field "${field}" must be an integer, got ${quote(raw)}`);
    }
    if (!Number.isSafeInteger(raw)) {
      return fail(
        "invalid_value",
        `Field "${field}" is outside the safe integer range: ${quote(raw)}`,
      );
    }
    return { ok: true, value: raw === 0 ? 0 : raw };
  }
  if (typeof raw !== "string") {
    return fail(
      "invalid_type",
      `Field "${field}" must be an integer, got ${kindOf(raw)} ${quote(raw)}`,
    );
  }
  const m = INTEGER_RE.exec(raw.trim());
  if (!m) return fail("invalid_type", `Field "${field}" must be an integer, got ${quote(raw)}`);
  const digits = m[2].replace(/^0+(?=\d)/, "");
  const value = Number(digits);
  if (digits.length > 16 || !Number.isSafeInteger(value)) {
    return fail(
      "invalid_value",
      `Field "${field}" is outside the safe integer range: ${quote(raw)}`,
    );
  }
  return { ok: true, value: m[1] === "-" && value !== 0 ? -value : value };
}

/** Canonical decimal text of sign, integer digits and fraction digits. */
function canonical(negative: boolean, intDigits: string, fracDigits: string): string {
  const i = intDigits.replace(/^0+/, "") || "0";
  const f = fracDigits.replace(/0+$/, "");
  const body = f ? `${i}.${f}` : i;
  return negative && body !== "0" ? `-${body}` : body;
}

/**
 * Exact plain decimal text of a finite number, via its shortest round-trip
 * representation (so `0.1` is `"0.1"`, `1e21` is `"1000000000000000000000"`).
 */
export function numberToDecimalText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`Number "${n}" is not finite`);
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(n)));
  if (!m) throw new RangeError(`Number "${n}" has no decimal form`);
  const digits = m[1] + (m[2] ?? "");
  const exp = Number(m[3] ?? "0") - (m[2] ?? "").length;
  let intDigits: string;
  let fracDigits: string;
  if (exp >= 0) {
    intDigits = digits + "0".repeat(exp);
    fracDigits = "";
  } else {
    const padded = digits.padStart(-exp + 1, "0");
    intDigits = padded.slice(0, padded.length + exp);
    fracDigits = padded.slice(padded.length + exp);
  }
  return canonical(n < 0, intDigits, fracDigits);
}

const DECIMAL_RE = /^([+-]?)(?:([$€£])\s*([+-]?))?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal field into canonical text (no symbol, no commas, no
 * leading zeros, no trailing fractional zeros: `"1299.5"`, `"3"`, `"-0.25"`).
 * Accepts an optional leading `$`, `€` or `£`, `.` as decimal point, up to 4
 * decimals, and `,` only as a thousands separator in groups of three. A sign
 * is accepted before or after the symbol so the caller can range-check
 * (negative → the caller's `invalid_value`). Numbers convert exactly through
 * their shortest representation. More than 15 integer digits is `invalid_value`.
 *
 * @example
 * ```ts
 * parseDecimal("$1,299.50", "unit_price"); // { ok: true, value: "1299.5" }
 * parseDecimal("12,50", "unit_price").ok; // false (invalid_type)
 * ```
 */
export function parseDecimal(raw: unknown, field: string): FieldResult<string | undefined> {
  if (isAbsent(raw)) return { ok: true, value: undefined };
  let negative: boolean;
  let intDigits: string;
  let fracDigits: string;
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) {
      return fail("invalid_type", `Field "${field}" must be a decimal, got ${quote(raw)}`);
    }
    const text = numberToDecimalText(raw);
    negative = text.startsWith("-");
    [intDigits, fracDigits = ""] = text.replace(/^-/, "").split(".");
  } else if (typeof raw === "string") {
    const m = DECIMAL_RE.exec(raw.trim());
    if (!m || (m[1] && m[3])) {
      return fail("invalid_type", `Field "${field}" must be a decimal, got ${quote(raw)}`);
    }
    negative = m[1] === "-" || m[3] === "-";
    intDigits = m[4].replaceAll(",", "");
    fracDigits = m[5] ?? "";
  } else {
    return fail(
      "invalid_type",
      `Field "${field}" must be a decimal, got ${kindOf(raw)} ${quote(raw)}`,
    );
  }
  if (fracDigits.length > MAX_DECIMALS) {
    return fail(
      "invalid_type",
      `Field "${field}" has more than ${MAX_DECIMALS} decimals: ${quote(raw)}`,
    );
  }
  const value = canonical(negative, intDigits, fracDigits);
  if (value.replace(/^-/, "").split(".")[0].length > MAX_DECIMAL_INTEGER_DIGITS) {
    return fail(
      "invalid_value",
      `Field "${field}" has more than ${MAX_DECIMAL_INTEGER_DIGITS} integer digits: ${quote(raw)}`,
    );
  }
  return { ok: true, value };
}

const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Epoch ms of a timestamp text, or `null` when it is in no accepted format
 * or names no real instant (2026-02-30, 24:00, :60).
 */
function timestampFromText(text: string): number | null {
  if (/^\d{10}$/.test(text)) return Number(text) * 1000;
  if (/^\d{13}$/.test(text)) return Number(text);
  const m = DATE_TIME_RE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isCivilDate(year, month, day)) return null;
  const sep = m[4];
  const zone = m[9];
  // `T` without a zone is local time of an unknown place: not guessed.
  if (sep === "T" && zone === undefined) return null;
  const hour = Number(m[5] ?? "0");
  const minute = Number(m[6] ?? "0");
  const second = Number(m[7] ?? "0");
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = Number((m[8] ?? "").padEnd(3, "0").slice(0, 3));
  let offsetMin = 0;
  if (zone && zone !== "Z") {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetMin = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  return daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000 +
    second * 1000 + ms - offsetMin * 60_000;
}

/**
 * Parses a timestamp to epoch ms. Accepts ISO 8601 with `Z` or `±HH:MM`
 * (fractions truncated to ms), `YYYY-MM-DD HH:MM:SS[.fff]` (UTC unless it
 * carries a zone), `YYYY-MM-DD` (midnight UTC), 10-digit epoch seconds and
 * 13-digit epoch ms (text or number). Anything else, including impossible
 * calendar dates, is `invalid_timestamp`.
 *
 * @example
 * ```ts
 * parseTimestamp("2026-11-25T10:15:00.123+01:00", "timestamp");
 * // { ok: true, value: Date.UTC(2026, 10, 25, 9, 15, 0, 123) }
 * ```
 */
export function parseTimestamp(raw: unknown, field: string): FieldResult<number | undefined> {
  if (isAbsent(raw)) return { ok: true, value: undefined };
  let ms: number | null = null;
  if (typeof raw === "string") ms = timestampFromText(raw.trim());
  else if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) {
    const digits = String(raw).length;
    ms = digits === 10 ? raw * 1000 : digits === 13 ? raw : null;
  } else if (raw instanceof Date && !Number.isNaN(raw.getTime())) ms = raw.getTime();
  if (ms === null) {
    return fail(
      "invalid_timestamp",
      `Field "${field}" is not a timestamp in an accepted format: ${quote(raw)}`,
    );
  }
  return { ok: true, value: ms };
}
