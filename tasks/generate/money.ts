/**
 * Exact money for the answer key. A decimal is held as an integer count of
 * ten-thousandths ("d4": `12.5` → `125000`), the finest the sources accept;
 * products and roundings run on bigints, so no binary floating point touches
 * a money value.
 *
 * @module
 */

/** Ten-thousandths per unit. */
export const D4 = 10_000;

/** The default rate table of sources.md, USD per unit, in d4. */
export const DEFAULT_FX_D4: Readonly<Record<string, number>> = {
  USD: 10_000,
  EUR: 10_800,
  GBP: 12_700,
};

/**
 * `round_half_up(n / d)` for n ≥ 0 and d > 0.
 *
 * @example
 * ```ts
 * roundHalfUpDiv(5n, 2n); // 3n
 * ```
 */
export function roundHalfUpDiv(n: bigint, d: bigint): bigint {
  if (n < 0n || d <= 0n) throw new RangeError(`Cannot round "${n}/${d}" half up`);
  return (2n * n + d) / (2n * d);
}

/**
 * Line value in US cents: `round_half_up((quantity × unit_price − discount) × rate × 100)`.
 *
 * @example
 * ```ts
 * lineValueCents({ quantity: 3, priceD4: 19_999, discountD4: 0, rateD4: 10_800 }); // 648
 * ```
 */
export function lineValueCents(
  line: { quantity: number; priceD4: number; discountD4: number; rateD4: number },
): number {
  const amount = BigInt(line.quantity) * BigInt(line.priceD4) - BigInt(line.discountD4);
  // amount (1e-4) × rate (1e-4) × 100 → cents at 1e-8.
  return Number(roundHalfUpDiv(amount * BigInt(line.rateD4) * 100n, 100_000_000n));
}

/**
 * Stock value of one inventory row in cents: `round_half_up(on_hand × unit_cost × 100)`.
 *
 * @example
 * ```ts
 * stockValueCents(3, 41_235); // 1237
 * ```
 */
export function stockValueCents(onHand: number, costD4: number): number {
  return Number(roundHalfUpDiv(BigInt(onHand) * BigInt(costD4) * 100n, 10_000n));
}

/**
 * Decimal text of a d4 value with at least `minDecimals` decimals
 * (`formatD4(125000)` → `"12.50"`, `formatD4(41235)` → `"4.1235"`).
 */
export function formatD4(d4: number, minDecimals = 2): string {
  const negative = d4 < 0;
  const abs = Math.abs(d4);
  const whole = Math.floor(abs / D4);
  let frac = String(abs % D4).padStart(4, "0");
  while (frac.length > minDecimals && frac.endsWith("0")) frac = frac.slice(0, -1);
  const body = frac.length ? `${whole}.${frac}` : String(whole);
  return negative ? `-${body}` : body;
}

/**
 * `formatD4` with `,` thousands separators (`1,299.50`).
 *
 * @example
 * ```ts
 * formatD4Grouped(12_995_000); // "1,299.50"
 * ```
 */
export function formatD4Grouped(d4: number): string {
  const [whole, frac] = formatD4(d4).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** The rate table as the decimal texts of sources.md (`{ EUR: "1.08" }`). */
export function fxTableText(rates: Readonly<Record<string, number>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [code, d4] of Object.entries(rates)) out[code] = formatD4(d4, 0);
  return out;
}
