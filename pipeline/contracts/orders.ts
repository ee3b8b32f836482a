/**
 * The orders CSV contract of shared/spec/sources.md §2: header matching,
 * `normaliseOrderRow`, exact-duplicate fingerprints and the update order.
 *
 * @module
 */

import type { Channel, LineVersion, Normalised, OrderLine, OrderStatus } from "./types.ts";
import {
  FUTURE_TOLERANCE_MS,
  isAbsent,
  parseDecimal,
  parseInteger,
  parseText,
  parseTimestamp,
  quote,
} from "./values.ts";
import { compareDecimals, multiplyDecimal } from "./money.ts";
import { type FieldFailure, firstRejection, reject } from "./rejection.ts";
import { type HeaderMatch, matchHeader, pickColumns } from "./header.ts";

/** Columns of the orders CSV, in the order of the spec's table. */
export const ORDER_COLUMNS = {
  required: [
    "order_id",
    "line_no",
    "customer_id",
    "order_ts",
    "sku",
    "quantity",
    "unit_price",
    "status",
  ],
  optional: ["currency", "discount", "country", "channel"],
} as const;

/** Every orders column in the spec's table order; ties between failures go to the earlier one. */
export const ORDER_FIELD_ORDER: readonly string[] = [
  "order_id",
  "line_no",
  "customer_id",
  "order_ts",
  "sku",
  "quantity",
  "unit_price",
  "currency",
  "discount",
  "status",
  "country",
  "channel",
];

/** SKU format after trimming and upper-casing (orders and inventory). */
export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9_-]{0,63}$/;

/** Accepted statuses (after lower-casing; `canceled` is read as `cancelled`). */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  "placed",
  "shipped",
  "delivered",
  "cancelled",
  "refunded",
];

/** Accepted channels (after lower-casing). */
export const CHANNELS: readonly Channel[] = ["web", "app", "marketplace"];

/** Currency assumed when the column is absent or the cell is empty. */
export const DEFAULT_CURRENCY = "USD";

/**
 * Largest accepted `quantity × unit_price` of one line, in its currency. Keeps
 * every line value, and sums of many, exact in a JS number of cents.
 */
export const MAX_LINE_GROSS = "10000000000";

/** What `normaliseOrderRow` needs besides the row. */
export interface NormaliseOrderContext {
  /** When the file was received, epoch ms (for `future_timestamp`). */
  receivedAt: number;
  /** Currency code → USD per unit, exact decimal text. */
  fxRates: Record<string, string>;
}

/**
 * Matches an orders header row (case-insensitive after trimming, BOM dropped).
 *
 * @example
 * ```ts
 * matchOrderHeader(["order_id", "LINE_NO"]).missing; // ["customer_id", "order_ts", ...]
 * ```
 */
export function matchOrderHeader(header: string[]): HeaderMatch {
  return matchHeader(header, ORDER_COLUMNS);
}

/**
 * The known columns of one CSV data row, by a header match.
 *
 * @example
 * ```ts
 * orderRowFromCells(["A1", "1"], matchOrderHeader(["order_id", "line_no"]).index);
 * // { order_id: "A1", line_no: "1" }
 * ```
 */
export function orderRowFromCells(
  cells: readonly string[],
  index: Record<string, number>,
): Record<string, string | undefined> {
  return pickColumns(cells, index);
}

/**
 * Normalises one orders row (keys are column names) under sources.md §2.
 * Among failing rules the first reason code wins, in this order:
 * `missing_required`, `invalid_type`, `invalid_value`, `invalid_timestamp`,
 * `future_timestamp`, `unknown_currency`; among fields of the same code, the
 * first in `ORDER_FIELD_ORDER`. `country` and `channel` values outside their
 * rule become absent and are reported as warnings.
 *
 * @example
 * ```ts
 * const r = normaliseOrderRow(
 *   { order_id: "A1", line_no: "1", customer_id: "c1", order_ts: "2026-11-25", sku: "ab-1",
 *     quantity: "2", unit_price: "$10.00", status: "Canceled" },
 *   { receivedAt: Date.UTC(2026, 10, 26), fxRates: { USD: "1" } },
 * );
 * r.ok && r.value.status; // "cancelled"
 * ```
 */
export function normaliseOrderRow(
  row: Record<string, string | undefined>,
  ctx: NormaliseOrderContext,
): Normalised<OrderLine> {
  const failures: FieldFailure[] = [];
  const fail = (field: string, reason: FieldFailure["reason"], message: string) =>
    failures.push({ field, reason, message });
  const cell = (field: string) => (Object.hasOwn(row, field) ? row[field] : undefined);
  for (const field of ORDER_COLUMNS.required) {
    if (isAbsent(cell(field))) fail(field, "missing_required", `Column "${field}" is missing`);
  }

  const text = (field: string) => {
    const r = parseText(cell(field), { field, min: 1, max: 64 });
    if (!r.ok) fail(field, r.reason, r.message);
    return r.ok ? r.value : undefined;
  };
  const orderId = text("order_id");
  const customerId = text("customer_id");

  const integer = (field: string, min: number) => {
    const r = parseInteger(cell(field), field);
    if (!r.ok) return void fail(field, r.reason, r.message);
    if (r.value !== undefined && r.value < min) {
      return void fail(
        field,
        "invalid_value",
        `Column "${field}" must be at least ${min}, got ${quote(cell(field))}`,
      );
    }
    return r.value;
  };
  const lineNo = integer("line_no", 1);
  const quantity = integer("quantity", 1);

  const decimal = (field: string) => {
    const r = parseDecimal(cell(field), field);
    if (!r.ok) return void fail(field, r.reason, r.message);
    if (r.value?.startsWith("-")) {
      return void fail(
        field,
        "invalid_value",
        `Column "${field}" must not be negative, got ${quote(cell(field))}`,
      );
    }
    return r.value;
  };
  const unitPrice = decimal("unit_price");
  const discount = decimal("discount") ?? "0";
  if (quantity !== undefined && unitPrice !== undefined) {
    const gross = multiplyDecimal(quantity, unitPrice);
    if (compareDecimals(gross, MAX_LINE_GROSS) > 0) {
      fail(
        "unit_price",
        "invalid_value",
        `Line total ${quote(gross)} exceeds the limit of ${quote(MAX_LINE_GROSS)}`,
      );
    } else if (compareDecimals(discount, gross) > 0) {
      fail(
        "discount",
        "invalid_value",
        `Discount ${quote(discount)} exceeds the line total ${quote(gross)}`,
      );
    }
  }

  const rawSku = cell("sku");
  const sku = isAbsent(rawSku) ? undefined : String(rawSku).trim().toUpperCase();
  if (sku !== undefined && !SKU_PATTERN.test(sku)) {
    fail("sku", "invalid_value", `SKU ${quote(sku)} does not match ^[A-Z0-9][A-Z0-9_-]{0,63}$`);
  }

  const rawStatus = cell("status");
  let status: OrderStatus | undefined;
  if (!isAbsent(rawStatus)) {
    const s = String(rawStatus).trim().toLowerCase();
    const normal = s === "canceled" ? "cancelled" : s;
    if ((ORDER_STATUSES as readonly string[]).includes(normal)) status = normal as OrderStatus;
    else {fail(
        "status",
        "invalid_value",
        `Status ${quote(rawStatus)} is not one of ${ORDER_STATUSES.join(", ")}`,
      );}
  }

  const ts = parseTimestamp(cell("order_ts"), "order_ts");
  if (!ts.ok) fail("order_ts", ts.reason, ts.message);
  const orderTs = ts.ok ? ts.value : undefined;
  if (orderTs !== undefined && orderTs > ctx.receivedAt + FUTURE_TOLERANCE_MS) {
    fail(
      "order_ts",
      "future_timestamp",
      `Order time ${quote(cell("order_ts"))} is more than 24 h after receipt`,
    );
  }

  const rawCurrency = cell("currency");
  const currency = isAbsent(rawCurrency)
    ? DEFAULT_CURRENCY
    : String(rawCurrency).trim().toUpperCase();
  if (!Object.hasOwn(ctx.fxRates, currency)) {
    fail("currency", "unknown_currency", `Currency ${quote(currency)} is not in the rate table`);
  }

  const first = firstRejection(failures, ORDER_FIELD_ORDER);
  if (first) return reject(first);

  const line: OrderLine = {
    orderId: orderId!,
    lineNo: lineNo!,
    customerId: customerId!,
    orderTs: orderTs!,
    sku: sku!,
    quantity: quantity!,
    unitPrice: unitPrice!,
    currency,
    discount,
    status: status!,
  };
  const warnings: string[] = [];
  const rawCountry = cell("country");
  if (!isAbsent(rawCountry)) {
    const c = String(rawCountry).trim();
    if (/^[A-Za-z]{2}$/.test(c)) line.country = c.toUpperCase();
    else warnings.push("country");
  }
  const rawChannel = cell("channel");
  if (!isAbsent(rawChannel)) {
    const c = String(rawChannel).trim().toLowerCase();
    if ((CHANNELS as readonly string[]).includes(c)) line.channel = c as Channel;
    else warnings.push("channel");
  }
  return { ok: true, value: line, warnings };
}

/**
 * Deterministic text of every normalised field of a line: equal fingerprints
 * mean an exact duplicate. Absent optional fields are `null`.
 *
 * @example
 * ```ts
 * orderLineFingerprint(line) === orderLineFingerprint(structuredClone(line)); // true
 * ```
 */
export function orderLineFingerprint(line: OrderLine): string {
  return JSON.stringify([
    line.orderId,
    line.lineNo,
    line.customerId,
    line.orderTs,
    line.sku,
    line.quantity,
    line.unitPrice,
    line.currency,
    line.discount,
    line.status,
    line.country ?? null,
    line.channel ?? null,
  ]);
}

/**
 * Orders two versions of a line: by business date, then upload order, then
 * row position. Positive when `a` is later (it wins).
 *
 * @example
 * ```ts
 * compareVersions({ date: "2026-11-25", upload: 9, row: 1 }, { date: "2026-11-26", upload: 2, row: 1 }); // -1
 * ```
 */
export function compareVersions(a: LineVersion, b: LineVersion): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  if (a.upload !== b.upload) return a.upload < b.upload ? -1 : 1;
  if (a.row !== b.row) return a.row < b.row ? -1 : 1;
  return 0;
}
