/**
 * Exact money arithmetic of shared/spec/kpis.md ("Money"). Decimals travel as
 * text and are computed as scaled bigints; results are integer cents. No
 * binary floating point touches a money value.
 *
 * @module
 */

/** A decimal as an integer count of 10^-scale units: `"12.5"` → `{ units: 125n, scale: 1 }`. */
export interface ScaledDecimal {
  units: bigint;
  scale: number;
}

const DECIMAL_TEXT_RE = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Reads plain decimal text (`-12.50`, `3`, `1.0800`) as a scaled bigint.
 * Throws a RangeError on anything else (symbols and commas are the parser's job).
 *
 * @example
 * ```ts
 * toScaled("1.08"); // { units: 108n, scale: 2 }
 * ```
 */
export function toScaled(decimal: string): ScaledDecimal {
  const m = typeof decimal === "string" ? DECIMAL_TEXT_RE.exec(decimal) : null;
  if (!m) throw new RangeError(`Decimal "${decimal}" is not plain decimal text`);
  const frac = m[3] ?? "";
  const units = BigInt(m[2] + frac);
  return { units: m[1] === "-" ? -units : units, scale: frac.length };
}

/**
 * Canonical decimal text of a scaled bigint (no trailing fractional zeros).
 *
 * @example
 * ```ts
 * fromScaled({ units: -2500n, scale: 4 }); // "-0.25"
 * ```
 */
export function fromScaled(value: ScaledDecimal): string {
  if (value.units === 0n) return "0";
  const negative = value.units < 0n;
  let digits = (negative ? -value.units : value.units).toString();
  let scale = value.scale;
  while (scale > 0 && digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    scale--;
  }
  digits = digits.padStart(scale + 1, "0");
  const body = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${body}` : body;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Brings two scaled decimals to a common scale. */
function align(a: ScaledDecimal, b: ScaledDecimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * pow10(scale - a.scale), b.units * pow10(scale - b.scale), scale];
}

/**
 * `numerator / denominator` rounded half up. For a negative quotient, halves
 * round away from zero (−2.5 → −3), so that rounding is symmetric: a refund
 * of a line values at exactly minus the line.
 *
 * @example
 * ```ts
 * roundHalfUp(5n, 2n); // 3n
 * roundHalfUp(-5n, 2n); // -3n
 * ```
 */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError(`Denominator "${denominator}" must be positive`);
  if (numerator < 0n) return -roundHalfUp(-numerator, denominator);
  return (2n * numerator + denominator) / (2n * denominator);
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${what} "${value}" is outside the safe integer range`);
  }
  return Number(value);
}

/** The fields of an order line that determine its amount. */
export interface LineAmountInput {
  quantity: number;
  /** Exact decimal text. */
  unitPrice: string;
  /** Exact decimal text. */
  discount: string;
}

function assertInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} "${n}" is not a safe integer`);
}

function lineAmountScaled(line: LineAmountInput): ScaledDecimal {
  assertInteger(line.quantity, "Quantity");
  const price = toScaled(line.unitPrice);
  const gross = { units: BigInt(line.quantity) * price.units, scale: price.scale };
  const [g, d, scale] = align(gross, toScaled(line.discount));
  return { units: g - d, scale };
}

/**
 * Exact line amount `quantity × unit_price − discount`, canonical decimal text,
 * in the line's currency.
 *
 * @example
 * ```ts
 * lineAmount({ quantity: 3, unitPrice: "19.99", discount: "5" }); // "54.97"
 * ```
 */
export function lineAmount(line: LineAmountInput): string {
  return fromScaled(lineAmountScaled(line));
}

/**
 * Line value in US cents: `round_half_up(line_amount × rate × 100)`. Throws
 * when the currency is not in the rate table or the result is not a safe integer.
 *
 * @example
 * ```ts
 * lineValueCents({ quantity: 1, unitPrice: "10.25", discount: "0", currency: "EUR" }, { EUR: "1.08" });
 * // 1107 (10.25 × 1.08 = 11.07)
 * ```
 */
export function lineValueCents(
  line: LineAmountInput & { currency: string },
  fxRates: Record<string, string>,
): number {
  if (!Object.hasOwn(fxRates, line.currency)) {
    throw new RangeError(`Currency "${line.currency}" is not in the rate table`);
  }
  const amount = lineAmountScaled(line);
  const rate = toScaled(fxRates[line.currency]);
  const cents = roundHalfUp(amount.units * rate.units * 100n, pow10(amount.scale + rate.scale));
  return toSafeNumber(cents, "Line value in cents");
}

/**
 * Stock value in US cents of an inventory row: `round_half_up(on_hand × unit_cost × 100)`.
 *
 * @example
 * ```ts
 * stockValueCents(3, "0.125"); // 38 (37.5 rounds up)
 * ```
 */
export function stockValueCents(onHand: number, unitCost: string): number {
  assertInteger(onHand, "On hand");
  const cost = toScaled(unitCost);
  const cents = roundHalfUp(BigInt(onHand) * cost.units * 100n, pow10(cost.scale));
  return toSafeNumber(cents, "Stock value in cents");
}

/**
 * Compares two decimal texts by value: negative, 0 or positive.
 *
 * @example
 * ```ts
 * compareDecimals("1.50", "1.5"); // 0
 * ```
 */
export function compareDecimals(a: string, b: string): number {
  const [x, y] = align(toScaled(a), toScaled(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Exact product of an integer and a decimal text, canonical text (e.g. quantity × unit price).
 *
 * @example
 * ```ts
 * multiplyDecimal(3, "0.1"); // "0.3"
 * ```
 */
export function multiplyDecimal(n: number, decimal: string): string {
  assertInteger(n, "Factor");
  const d = toScaled(decimal);
  return fromScaled({ units: BigInt(n) * d.units, scale: d.scale });
}

/**
 * `round_half_up(numerator / denominator)` of two integers, exactly (via
 * bigint); 0 when the denominator is 0 (e.g. AOV with no orders).
 *
 * @example
 * ```ts
 * roundHalfUpDiv(1001, 2); // 501
 * roundHalfUpDiv(5, 0); // 0
 * ```
 */
export function roundHalfUpDiv(numerator: number, denominator: number): number {
  assertInteger(numerator, "Numerator");
  assertInteger(denominator, "Denominator");
  if (denominator === 0) return 0;
  const sign = denominator < 0 ? -1n : 1n;
  const q = roundHalfUp(BigInt(numerator) * sign, BigInt(denominator) * sign);
  return Number(q);
}

/**
 * Formats integer cents as a plain decimal amount with two decimals, exactly.
 *
 * @example
 * ```ts
 * centsToDecimal(-1234); // "-12.34"
 * ```
 */
export function centsToDecimal(cents: number): string {
  assertInteger(cents, "Cents");
  const negative = cents < 0;
  const digits = String(Math.abs(cents)).padStart(3, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
