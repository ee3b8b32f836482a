/**
 * Writes one orders CSV file: the day's line versions with their dirt, the
 * junk rows that must be quarantined, and exact duplicates scheduled from
 * earlier files; returns the text and, per data row, what an ideal pipeline
 * makes of it.
 *
 * @module
 */

import { countDirt, dirtDrawer, type DirtTally, ORDER_DIRT } from "./dirt.ts";
import { formatD4 } from "./money.ts";
import { applyFormat, type Cells, isoSeconds, JUNK } from "./order_dirt.ts";
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

const NOTES = [
  "Gift wrap, please",
  `Leave at the "back" door`,
  "Call first\nthen ring twice",
  "fragile, handle with care",
];
const draw = dirtDrawer(ORDER_DIRT);

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
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
