/**
 * Number formatting shared by the server-rendered pages and the islands (it
 * ships to the browser, so it imports nothing). Money arrives as integer cents
 * and is formatted with integer arithmetic only; ratios are formatted from
 * their integer parts, rounded half up.
 *
 * @module
 */

/** How a figure is shown: money from cents, a count, a percentage, a duration. */
export type Unit = "cents" | "count" | "percent" | "seconds" | "days";

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Formats integer cents as US dollars, exactly.
 *
 * @example
 * ```ts
 * formatCents(123456789); // "$1,234,567.89"
 * formatCents(-5); // "−$0.05"
 * ```
 */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) return "—";
  const negative = cents < 0;
  const abs = negative ? -cents : cents;
  const dollars = groupThousands(String(Math.floor(abs / 100)));
  const rest = String(abs % 100).padStart(2, "0");
  return `${negative ? "−" : ""}$${dollars}.${rest}`;
}

/**
 * Formats an integer count with thousands separators.
 *
 * @example
 * ```ts
 * formatCount(1234567); // "1,234,567"
 * ```
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return "—";
  if (!Number.isInteger(n)) return formatDecimal(n, 1);
  return (n < 0 ? "−" : "") + groupThousands(String(Math.abs(n)));
}

/** A number rounded half up to `places` decimals, as text (display only, never money). */
export function formatDecimal(n: number, places: number): string {
  if (!Number.isFinite(n)) return "—";
  const scale = 10 ** places;
  const scaled = Math.floor(Math.abs(n) * scale + 0.5);
  const whole = groupThousands(String(Math.floor(scaled / scale)));
  const frac = places > 0 ? "." + String(scaled % scale).padStart(places, "0") : "";
  return (n < 0 && scaled > 0 ? "−" : "") + whole + frac;
}

/**
 * The ratio `numerator / denominator` in per-mille, rounded half up, from
 * integers (so `1/3` and `2/3` show as 33.3% and 66.7% on every platform);
 * `null` when the denominator is 0.
 *
 * @example
 * ```ts
 * perMille(1, 3); // 333
 * ```
 */
export function perMille(numerator: number, denominator: number): number | null {
  if (denominator === 0 || !Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator)) {
    return null;
  }
  const negative = (numerator < 0) !== (denominator < 0) && numerator !== 0;
  const n = BigInt(Math.abs(numerator));
  const d = BigInt(Math.abs(denominator));
  // Half up on the magnitude: floor((2000·n + d) / 2d).
  const q = Number((2000n * n + d) / (2n * d));
  return negative ? -q : q;
}

/**
 * Formats `numerator / denominator` as a percentage with one decimal.
 *
 * @example
 * ```ts
 * formatRatio(1, 8); // "12.5%"
 * formatRatio(3, 0); // "—"
 * ```
 */
export function formatRatio(numerator: number, denominator: number): string {
  const pm = perMille(numerator, denominator);
  if (pm === null) return "—";
  return formatPerMille(pm);
}

/** Formats a per-mille integer as a percentage with one decimal (`125` → `"12.5%"`). */
export function formatPerMille(pm: number): string {
  const negative = pm < 0;
  const abs = Math.abs(pm);
  return `${negative ? "−" : ""}${Math.floor(abs / 10)}.${abs % 10}%`;
}

/**
 * Formats seconds as a short duration.
 *
 * @example
 * ```ts
 * formatSeconds(3725); // "1h 2m"
 * ```
 */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 1 && seconds > 0) return `${formatDecimal(seconds, 2)}s`;
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/**
 * Formats a figure in its unit; `percent` values are per-mille integers.
 *
 * @example
 * ```ts
 * formatValue(250, "cents"); // "$2.50"
 * ```
 */
export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case "cents":
      return formatCents(value);
    case "percent":
      return formatPerMille(value);
    case "seconds":
      return formatSeconds(value);
    case "days":
      return formatDecimal(value, 1);
    default:
      return formatCount(value);
  }
}

/**
 * A short axis label: `$12.3k`, `4.5M`; exact figures live in the tables.
 *
 * @example
 * ```ts
 * formatCompact(1234567, "cents"); // "$12.3k"
 * ```
 */
export function formatCompact(value: number, unit: Unit): string {
  if (unit === "percent") return formatPerMille(Math.round(value));
  if (unit === "seconds") return formatSeconds(value);
  const n = unit === "cents" ? value / 100 : value;
  const prefix = unit === "cents" ? "$" : "";
  const abs = Math.abs(n);
  const sign = n < 0 ? "−" : "";
  if (abs >= 1e9) return `${sign}${prefix}${formatDecimal(abs / 1e9, 1)}B`;
  if (abs >= 1e6) return `${sign}${prefix}${formatDecimal(abs / 1e6, 1)}M`;
  if (abs >= 1e4) return `${sign}${prefix}${formatDecimal(abs / 1e3, 1)}k`;
  return `${sign}${prefix}${formatDecimal(abs, Number.isInteger(abs) ? 0 : 2)}`;
}
