/**
 * Writes one inventory workbook (XLSX) per ISO week with the inventory dirt:
 * formula cells with cached values, Excel date serials (1900 and 1904
 * systems), a hidden sheet, an extra sheet, a data sheet not named
 * `inventory`, padded and re-cased text, repeated rows and junk rows. Returns
 * the bytes and, per data row of the sheet that is read, what an ideal
 * pipeline makes of it. Properties carry no dates, so bytes are reproducible.
 *
 * @module
 */

import * as XLSX from "xlsx";
import { dayString } from "./calendar.ts";
import { countDirt, dirtDrawer, type DirtTally, INVENTORY_DIRT } from "./dirt.ts";
import { formatD4 } from "./money.ts";
import type { Rng } from "./prng.ts";
import type { NormInvRow, Outcome } from "./records.ts";

/** The workbook columns, in order. */
export const INVENTORY_COLUMNS = [
  "sku",
  "product_name",
  "category",
  "warehouse",
  "on_hand",
  "reorder_point",
  "unit_cost",
  "snapshot_date",
] as const;

/** A warehouse name no valid row uses: junk rows go there so they share no row key. */
export const JUNK_WAREHOUSE = "Returns Center";

/** One row of the snapshot as the stock model has it. */
export interface SnapshotRow {
  sku: string;
  productName: string;
  category: string;
  warehouse: string;
  onHand: number;
  reorderPoint: number;
  costD4?: number;
}

/** Inventory formatting state. */
export interface InventoryFormatter {
  rng: Rng;
  rate: number;
  tally: DirtTally;
}

type Cell = XLSX.CellObject | undefined;
const DATE_FORMAT = "yyyy-mm-dd";
const draw = dirtDrawer(INVENTORY_DIRT);

function text(v: string): Cell {
  return { t: "s", v };
}

function num(v: number): Cell {
  return { t: "n", v };
}

function rowCells(r: SnapshotRow, date: Cell): Cell[] {
  return [
    text(r.sku),
    text(r.productName),
    text(r.category),
    text(r.warehouse),
    num(r.onHand),
    num(r.reorderPoint),
    r.costD4 === undefined ? undefined : num(r.costD4 / 10_000),
    date,
  ];
}

function sheetOf(rows: Cell[][]): XLSX.WorkSheet {
  const ws: XLSX.WorkSheet = {};
  let maxC = 0;
  rows.forEach((cells, r) =>
    cells.forEach((cell, c) => {
      if (cell === undefined) return;
      ws[XLSX.utils.encode_cell({ r, c })] = cell;
      maxC = Math.max(maxC, c);
    })
  );
  ws["!ref"] = XLSX.utils.encode_range({ s: { r: 0, c: 0 }, e: { r: rows.length - 1, c: maxC } });
  return ws;
}

/**
 * Builds the workbook of the week starting `monday` (a day number).
 *
 * @example
 * ```ts
 * const { bytes, outcomes } = buildWorkbook(fmt, { monday, weekIndex: 0, rows });
 * ```
 */
export function buildWorkbook(
  f: InventoryFormatter,
  opts: { monday: number; weekIndex: number; rows: SnapshotRow[] },
): { bytes: Uint8Array; outcomes: Outcome<NormInvRow>[] } {
  const rng = f.rng;
  const dirty = f.rate > 0;
  const w = opts.weekIndex;
  const dateMode = dirty ? w % 3 : 0;
  const date: Cell = dateMode === 0
    ? text(dayString(opts.monday))
    : { t: "n", v: opts.monday + (dateMode === 1 ? 25_569 : 24_107), z: DATE_FORMAT };
  if (dateMode === 1) countDirt(f.tally, "date_serial_1900");
  if (dateMode === 2) countDirt(f.tally, "date_serial_1904");

  const data: Cell[][] = [INVENTORY_COLUMNS.map(text)];
  const outcomes: Outcome<NormInvRow>[] = [];
  for (const r of opts.rows) {
    const cells = rowCells(r, date);
    const norm: NormInvRow = {
      sku: r.sku,
      productName: r.productName,
      category: r.category,
      warehouse: r.warehouse,
      onHand: r.onHand,
      reorderPoint: r.reorderPoint,
    };
    if (r.costD4 !== undefined) norm.costD4 = r.costD4;
    let kind = draw(rng, f.rate, f.tally);
    if (kind === "category_case" && w === 0) kind = "padded_text";
    if (kind === "unit_cost_text" && r.costD4 === undefined) kind = "formula";
    if (kind === "unit_cost_absent" && r.costD4 === undefined) kind = "padded_text";
    if (kind !== null) countDirt(f.tally, kind);
    switch (kind) {
      case "formula": {
        const a = Math.floor(r.onHand / 2);
        cells[4] = { t: "n", v: r.onHand, f: `${a}+${r.onHand - a}` };
        break;
      }
      case "on_hand_text":
        cells[4] = text(` ${r.onHand} `);
        break;
      case "padded_text":
        cells[0] = text(`  ${r.sku.toLowerCase()} `);
        cells[1] = text(` ${r.productName}  `);
        cells[3] = text(`${r.warehouse}   `);
        break;
      case "category_case":
        cells[2] = text(rng.chance(0.5) ? r.category.toLowerCase() : r.category.toUpperCase());
        norm.category = (cells[2] as XLSX.CellObject).v as string;
        break;
      case "reorder_null_token":
        cells[5] = rng.chance(0.3) ? undefined : text(rng.pick(["N/A", "null", "-"]));
        norm.reorderPoint = 0;
        break;
      case "unit_cost_text":
        cells[6] = text(`$${formatD4(r.costD4!)}`);
        break;
      case "unit_cost_absent":
        cells[6] = undefined;
        delete norm.costD4;
        break;
      case "repeated_row": {
        // An earlier, superseded copy of the same (sku, warehouse): the last one wins.
        const staleOnHand = r.onHand + rng.int(1, 40);
        const at = rng.int(1, data.length);
        data.splice(at, 0, rowCells({ ...r, onHand: staleOnHand }, date));
        outcomes.splice(at - 1, 0, { ok: { ...norm, onHand: staleOnHand } });
        break;
      }
    }
    data.push(cells);
    outcomes.push({ ok: norm });
    const junk = kind === null ? undefined : JUNK[kind];
    if (junk) {
      const bad = rowCells({ ...r, warehouse: JUNK_WAREHOUSE }, date);
      data.push(bad);
      outcomes.push({ ok: null, reason: junk(bad, rng) });
    }
  }

  const wb = XLSX.utils.book_new();
  const sheets: { name: string; hidden: boolean }[] = [];
  const append = (ws: XLSX.WorkSheet, name: string, hidden: boolean) => {
    XLSX.utils.book_append_sheet(wb, ws, name);
    sheets.push({ name, hidden });
  };
  if (dirty && w % 2 === 0) {
    const stale = [
      INVENTORY_COLUMNS.map(text),
      ...opts.rows.slice(0, 5).map((r) => rowCells({ ...r, onHand: 999 }, date)),
    ];
    append(sheetOf(stale), "archive", true);
    countDirt(f.tally, "hidden_sheet");
  }
  const name = dirty ? ["inventory", "Inventory", "Stock", "INVENTORY"][w % 4] : "inventory";
  if (name === "Stock") countDirt(f.tally, "sheet_not_named_inventory");
  append(sheetOf(data), name, false);
  if (dirty) {
    append(
      sheetOf([[text("note")], [text("Counted by the night shift; see archive for last year.")]]),
      "Notes",
      false,
    );
    countDirt(f.tally, "extra_sheet");
  }
  wb.Props = { Title: `Inventory ${dayString(opts.monday)}`, Author: "generator" };
  // SheetJS otherwise copies its process-wide format table, which earlier reads
  // and writes change: a fixed table keeps the bytes independent of history.
  (wb as XLSX.WorkBook & { SSF: Record<number, string> }).SSF = { 0: "General", 164: DATE_FORMAT };
  wb.Workbook = {
    Sheets: sheets.map((s) => ({ name: s.name, Hidden: s.hidden ? 1 : 0 })),
    WBProps: { date1904: dateMode === 2 },
  };
  const out = XLSX.write(wb, { type: "array", bookType: "xlsx", compression: true }) as ArrayBuffer;
  return { bytes: new Uint8Array(out), outcomes };
}

const JUNK: Partial<Record<keyof typeof INVENTORY_DIRT, (cells: Cell[], rng: Rng) => string>> = {
  negative_on_hand(cells, rng) {
    cells[4] = num(-rng.int(1, 20));
    return "invalid_value";
  },
  invalid_on_hand(cells, rng) {
    cells[4] = text(rng.pick(["lots", "12 units", "n.a."]));
    return "invalid_type";
  },
  missing_sku(cells, rng) {
    cells[0] = rng.chance(0.5) ? undefined : text("N/A");
    return "missing_required";
  },
  formula_no_cache(cells) {
    cells[4] = { t: "n", f: "E2*2" } as XLSX.CellObject;
    return "invalid_value";
  },
};
