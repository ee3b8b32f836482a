/**
 * Writes one orders CSV file: the day's line versions with their dirt, the
 * junk rows that must be quarantined, and exact duplicates scheduled from
 * earlier files; returns the text and, per data row, what an ideal pipeline
 * makes of it.
 *
 * @module
 */

import { countDirt, dirtDrawer, type DirtTally, ORDER_DIRT } from "./dirt.ts";
import { formatD4, formatD4Grouped } from "./money.ts";
import type { PendingRow } from "./order_book.ts";
import type { Rng } from "./prng.ts";
import type { NormLine, Outcome } from "./records.ts";
import { CURRENCIES } from "./vocab.ts";

/** The orders columns, in the order of sources.md. */
export const ORDER_COLUMNS = [
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
] as const;

/** File layouts: one per file, rotating, when there is dirt. */
export const FILE_VARIANTS = ["plain", "bom", "crlf", "shuffled_header", "notes_column"] as const;

/** A file layout. */
export type FileVariant = typeof FILE_VARIANTS[number];

type Cells = Record<string, string>;

/** A written data row, waiting for its place in a later file (exact duplicates). */
interface DupRow {
  cells: Cells;
  norm: NormLine;
}

/** Orders formatting state across files. */
export interface OrderFormatter {
  rng: Rng;
  rate: number;
  tally: DirtTally;
  endDay: number;
  dups: Map<number, DupRow[]>;
}

const SYMBOL = ["$", "€", "£"];
const NOTES = [
  "Gift wrap, please",
  `Leave at the "back" door`,
  "Call first\nthen ring twice",
  "fragile, handle with care",
];
const BAD_COUNTRY: Record<string, string> = {
  US: "USA",
  GB: "United Kingdom",
  DE: "Deutschland",
  FR: "FRA",
};
const draw = dirtDrawer(ORDER_DIRT);

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

function cleanCells(row: PendingRow): { cells: Cells; norm: NormLine } {
  const l = row.line;
  const code = CURRENCIES[l.currency];
  const cells: Cells = {
    order_id: l.orderId,
    line_no: String(l.lineNo),
    customer_id: l.customerId,
    order_ts: isoSeconds(l.orderTs),
    sku: l.sku,
    quantity: String(l.quantity),
    unit_price: formatD4(l.priceD4),
    currency: code,
    discount: formatD4(l.discountD4),
    status: row.status,
    country: l.country,
    channel: l.channel,
  };
  const norm: NormLine = {
    orderId: l.orderId,
    lineNo: l.lineNo,
    customerId: l.customerId,
    orderTs: l.orderTs,
    sku: l.sku,
    quantity: l.quantity,
    priceD4: l.priceD4,
    currency: code,
    discountD4: l.discountD4,
    status: row.status,
    country: l.country,
    channel: l.channel,
  };
  return { cells, norm };
}

type Kind = keyof typeof ORDER_DIRT;

/** Applies a format kind to a clean row; returns the kind applied (after fallbacks). */
function applyFormat(kind: Kind, c: Cells, n: NormLine, rng: Rng): Kind {
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

/** Junk rows: each breaks exactly one rule, so its reason is certain. */
const JUNK: Partial<Record<Kind, (c: Cells, n: NormLine, rng: Rng) => string>> = {
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

/** Columns, header, line ending and BOM of one file. */
export interface Layout {
  cols: string[];
  header: string;
  eol: string;
  bom: string;
}

/**
 * The layout of a file for a variant (columns shuffled and header names
 * re-cased for `shuffled_header`; an unknown `notes` column for `notes_column`).
 */
export function layoutFor(variant: FileVariant, rng: Rng): Layout {
  const cols: string[] = [...ORDER_COLUMNS];
  let names = cols.slice();
  if (variant === "shuffled_header") {
    for (let i = cols.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [cols[i], cols[j]] = [cols[j], cols[i]];
    }
    names = cols.map((c, i) => i % 3 === 0 ? c.toUpperCase() : i % 3 === 1 ? ` ${c} ` : c);
  }
  if (variant === "notes_column") {
    cols.splice(5, 0, "notes");
    names = cols.slice();
  }
  return {
    cols,
    header: names.join(","),
    eol: variant === "crlf" ? "\r\n" : "\n",
    bom: variant === "bom" ? "\uFEFF" : "",
  };
}

function render(layout: Layout, c: Cells): string {
  return layout.cols.map((k) => csvCell(c[k] ?? "")).join(",");
}

/**
 * Formats one file day's rows.
 *
 * @example
 * ```ts
 * const { text, outcomes } = formatOrderFile(fmt, takeOrderDay(book, day), day, layout);
 * ```
 */
export function formatOrderFile(
  f: OrderFormatter,
  rows: PendingRow[],
  day: number,
  layout: Layout,
): { text: string; outcomes: Outcome<NormLine>[] } {
  const rng = f.rng;
  const lines: string[] = [];
  const outcomes: Outcome<NormLine>[] = [];
  const notes = layout.cols.includes("notes");
  for (const row of rows) {
    const { cells, norm } = cleanCells(row);
    if (row.line.product < 0 && !row.update) countDirt(f.tally, "unknown_sku");
    if (notes && rng.chance(0.15)) cells.notes = rng.pick(NOTES);
    let kind = draw(rng, f.rate, f.tally);
    if (kind === "duplicate_line") {
      const first = day + 1;
      const last = Math.min(f.endDay, day + 5, row.nextDay - 1);
      if (first <= last) {
        const target = rng.int(first, last);
        let list = f.dups.get(target);
        if (!list) f.dups.set(target, list = []);
        list.push({ cells: { ...cells, notes: "" }, norm: { ...norm } });
      } else kind = "status_case";
    }
    if (kind !== null && kind !== "duplicate_line" && !(kind in JUNK)) {
      kind = applyFormat(kind, cells, norm, rng);
    }
    if (kind !== null) countDirt(f.tally, kind);
    lines.push(render(layout, cells));
    outcomes.push({ ok: norm, warnings: warningsOf(cells, norm) });
    const junk = kind === null ? undefined : JUNK[kind];
    if (junk) {
      const bad: Cells = { ...cells, line_no: String(100 + norm.lineNo), notes: "" };
      const reason = junk(bad, norm, rng);
      let text = render(layout, bad);
      if (kind === "broken_row") {
        const parts = layout.cols.map((k) => csvCell(bad[k] ?? ""));
        if (rng.chance(0.5)) parts.pop();
        else parts.push("extra");
        text = parts.join(",");
      }
      lines.push(text);
      outcomes.push({ ok: null, reason });
    }
  }
  for (const dup of f.dups.get(day) ?? []) {
    const at = rng.int(0, lines.length);
    lines.splice(at, 0, render(layout, dup.cells));
    outcomes.splice(at, 0, { ok: dup.norm, warnings: warningsOf(dup.cells, dup.norm) });
  }
  f.dups.delete(day);
  const text = layout.bom + [layout.header, ...lines].join(layout.eol) + layout.eol;
  return { text, outcomes };
}

function warningsOf(c: Cells, n: NormLine): string[] {
  const out: string[] = [];
  const present = (v: string) => !["", "null", "NULL", "N/A", "n/a", "NaN", "-"].includes(v.trim());
  if (n.country === undefined && present(c.country)) out.push("country");
  if (n.channel === undefined && present(c.channel)) out.push("channel");
  return out;
}
