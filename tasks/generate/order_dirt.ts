/**
 * The dirt of one orders row: format kinds rewrite a valid row the way
 * exports and hand edits do (the normalised line changes only where a rule
 * says so); junk kinds derive an extra row that breaks exactly one rule, so
 * its quarantine reason is certain.
 *
 * @module
 */

import { isoOfMs } from "./calendar.ts";
import type { ORDER_DIRT } from "./dirt.ts";
import { formatD4, formatD4Grouped } from "./money.ts";
import type { Rng } from "./prng.ts";
import type { NormLine } from "./records.ts";
import { CURRENCIES } from "./vocab.ts";

/** Cells of one row by column name. */
export type Cells = Record<string, string>;

const SYMBOL = ["$", "€", "£"];
const BAD_COUNTRY: Record<string, string> = {
  US: "USA",
  GB: "United Kingdom",
  DE: "Deutschland",
  FR: "FRA",
};

/** `YYYY-MM-DDTHH:MM:SSZ` of an epoch-ms instant. */
export function isoSeconds(ms: number): string {
  return isoOfMs(ms).slice(0, 19) + "Z";
}

/** An order-row dirt kind. */
export type Kind = keyof typeof ORDER_DIRT;

/** Applies a format kind to a clean row; returns the kind applied (after fallbacks). */
export function applyFormat(kind: Kind, c: Cells, n: NormLine, rng: Rng): Kind {
  switch (kind) {
    case "price_format":
      c.unit_price = rng.chance(0.6)
        ? `${SYMBOL[CURRENCIES.indexOf(n.currency as typeof CURRENCIES[number])]}${
          formatD4Grouped(n.priceD4)
        }`
        : formatD4(n.priceD4, 4);
      return kind;
    case "quantity_decimal":
      c.quantity = `${n.quantity}.${rng.chance(0.5) ? "0" : "00"}`;
      return kind;
    case "ts_epoch_s":
      c.order_ts = String(n.orderTs / 1000);
      return kind;
    case "ts_epoch_ms":
      c.order_ts = String(n.orderTs);
      return kind;
    case "ts_space":
      c.order_ts = isoSeconds(n.orderTs).slice(0, 19).replace("T", " ");
      return kind;
    case "ts_offset": {
      const off = rng.pick([60, -300, 330, -480]);
      const local = new Date(n.orderTs + off * 60_000).toISOString().slice(0, 19);
      const abs = Math.abs(off);
      c.order_ts = `${local}${off < 0 ? "-" : "+"}${
        String(Math.floor(abs / 60)).padStart(2, "0")
      }:${String(abs % 60).padStart(2, "0")}`;
      return kind;
    }
    case "ts_date_only":
      c.order_ts = isoSeconds(n.orderTs).slice(0, 10);
      n.orderTs = Date.parse(c.order_ts);
      return kind;
    case "status_case":
      c.status = n.status === "cancelled"
        ? rng.pick(["canceled", "CANCELED", "Canceled", "CANCELLED"])
        : rng.pick([
          n.status.toUpperCase(),
          n.status[0].toUpperCase() + n.status.slice(1),
          ` ${n.status} `,
        ]);
      return kind;
    case "sku_case_pad":
      c.sku = rng.chance(0.5) ? ` ${n.sku.toLowerCase()} ` : n.sku.toLowerCase();
      return kind;
    case "currency_absent":
      if (n.currency !== "USD") return applyFormat("currency_case", c, n, rng);
      c.currency = rng.pick(["", "null"]);
      return kind;
    case "currency_case":
      c.currency = rng.chance(0.5)
        ? n.currency.toLowerCase()
        : n.currency[0] + n.currency.slice(1).toLowerCase();
      return kind;
    case "country_null_token":
      c.country = rng.pick(["", "null", "N/A", "-"]);
      delete n.country;
      return kind;
    case "country_invalid":
      c.country = BAD_COUNTRY[n.country!] ?? "??";
      delete n.country;
      return kind;
    case "channel_invalid":
      c.channel = rng.pick(["email", "phone", "store"]);
      delete n.channel;
      return kind;
    case "channel_case":
      c.channel = n.channel!.toUpperCase();
      return kind;
    case "discount_absent":
      if (n.discountD4 !== 0) return applyFormat("price_format", c, n, rng);
      c.discount = rng.pick(["", "null"]);
      return kind;
    default:
      throw new Error(`Kind "${kind}" is not a format kind`);
  }
}

/** Junk rows: each breaks exactly one rule and returns its reason code. */
export const JUNK: Partial<Record<Kind, (c: Cells, n: NormLine, rng: Rng) => string>> = {
  negative_quantity(c, n) {
    c.quantity = `-${n.quantity}`;
    return "invalid_value";
  },
  comma_decimal_price(c, n) {
    const cents = Math.floor(n.priceD4 / 100);
    c.unit_price = `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
    return "invalid_type";
  },
  bad_timestamp(c, _n, rng) {
    c.order_ts = rng.pick(["25/11/2026 10:15", "yesterday", "2026-11-25T10:15:00", "20261125"]);
    return "invalid_timestamp";
  },
  unknown_currency(c) {
    c.currency = "XYZ";
    return "unknown_currency";
  },
  future_timestamp(c, n) {
    c.order_ts = `2099-06-15T${isoSeconds(n.orderTs).slice(11)}`;
    return "future_timestamp";
  },
  missing_required(c, _n, rng) {
    c[rng.pick(["customer_id", "sku", "status"])] = rng.pick(["", "null", "N/A"]);
    return "missing_required";
  },
  broken_row() {
    return "malformed";
  },
};
