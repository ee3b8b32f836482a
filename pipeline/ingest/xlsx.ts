/**
 * Reading an inventory workbook safely (shared/spec/sources.md §3): the ZIP
 * is vetted before SheetJS sees it (declared and actual uncompressed sizes,
 * encryption, macros), the sheet is chosen from the workbook's own sheet list
 * (`inventory` if visible, else the first visible sheet), only that sheet is
 * parsed, densely, and only its real cells are read. Vetting and the choice
 * of sheet are in `xlsx_vet.ts`.
 *
 * @module
 */

import * as XLSX from "xlsx";
import type { Limits } from "../../config.ts";
import { HttpError } from "../../routes/errors.ts";
import { type InventoryCell, NO_CACHED_VALUE } from "../contracts/inventory.ts";
import { chooseSheet, vetWorkbook } from "./xlsx_vet.ts";

/** One data row of the chosen sheet. */
export interface SheetRow {
  /** 1-based data row (sheet row − 1). */
  row: number;
  cells: InventoryCell[];
  /** The row as JSON, its raw form for quarantine. */
  raw: string;
}

/** The chosen sheet, read. */
export interface SheetData {
  sheet: string;
  date1904: boolean;
  header: InventoryCell[];
  rows: SheetRow[];
  /** Merged ranges on the sheet (their value is in the top-left cell only). */
  merges: number;
}

const ERROR_TEXT: Record<number, string> = {
  0x00: "#NULL!",
  0x07: "#DIV/0!",
  0x0f: "#VALUE!",
  0x17: "#REF!",
  0x1d: "#NAME?",
  0x24: "#NUM!",
  0x2a: "#N/A",
  0x2b: "#GETTING_DATA",
};

/** A SheetJS cell as the contracts want it (see `InventoryCell`). */
export function cellValue(cell: XLSX.CellObject | null | undefined): InventoryCell {
  if (!cell) return undefined;
  if (cell.f !== undefined && (cell.t === "z" || cell.v === undefined)) return NO_CACHED_VALUE;
  switch (cell.t) {
    case "z":
      return undefined;
    case "s":
      return String(cell.v ?? "");
    case "n":
      return typeof cell.v === "number" ? cell.v : undefined;
    case "b":
      return Boolean(cell.v);
    case "d":
      return cell.v instanceof Date ? cell.v : undefined;
    case "e":
      return ERROR_TEXT[cell.v as number] ?? "#ERROR!";
    default:
      return cell.v === undefined ? undefined : String(cell.v);
  }
}

function rawOf(cells: InventoryCell[]): string {
  return JSON.stringify(cells.map((c) => {
    if (c === NO_CACHED_VALUE) return "<formula without cached value>";
    if (c instanceof Date) return c.toISOString();
    return c ?? null;
  }));
}

/**
 * Vets, chooses the sheet, parses only that sheet (dense, formulas with their
 * cached values, no date conversion: date cells stay serials read with the
 * workbook's 1900/1904 system) and returns its header and non-blank data
 * rows. More than `limits.xlsxCells` non-empty cells is a `413`.
 *
 * @example
 * ```ts
 * const sheet = await readInventoryWorkbook(bytes, config.limits);
 * ```
 */
export async function readInventoryWorkbook(bytes: Uint8Array, limits: Limits): Promise<SheetData> {
  const vetted = await vetWorkbook(bytes, limits);
  const name = chooseSheet(vetted.sheets);
  let wb: XLSX.WorkBook;
  try {
    wb = XLSX.read(bytes, {
      type: "array",
      dense: true,
      sheets: name,
      cellFormula: true,
      sheetStubs: true,
      cellDates: false,
      cellNF: false,
      cellText: false,
      cellHTML: false,
      cellStyles: false,
    });
  } catch (err) {
    throw new HttpError(
      422,
      "invalid_workbook",
      `Workbook cannot be read: ${(err as Error).message}`,
    );
  }
  const ws = wb.Sheets[name] as
    | (XLSX.WorkSheet & { "!data"?: (XLSX.CellObject | null)[][] })
    | undefined;
  if (!ws) throw new HttpError(422, "no_sheet", `Sheet "${name}" cannot be read`);
  const date1904 = Boolean(wb.Workbook?.WBProps?.date1904);
  const data = ws["!data"] ?? [];
  let cellCount = 0;
  let header: InventoryCell[] | null = null;
  const rows: SheetRow[] = [];
  // Walk only the rows and cells that exist: the declared range ("!ref") can
  // claim a million rows that are not there.
  for (let r = 0; r < data.length; r++) {
    const line = data[r];
    if (!line) continue;
    const cells: InventoryCell[] = [];
    let last = -1;
    for (let c = 0; c < line.length; c++) {
      const v = cellValue(line[c]);
      cells[c] = v;
      if (v !== undefined && !(typeof v === "string" && v.trim() === "")) {
        last = c;
        cellCount++;
      }
    }
    if (cellCount > limits.xlsxCells) {
      throw new HttpError(413, "too_large", `Sheet has more than ${limits.xlsxCells} cells`);
    }
    if (last < 0) continue;
    cells.length = last + 1;
    if (header === null) {
      if (r !== 0) {
        throw new HttpError(422, "missing_column", "Row 1 of the sheet must be the header");
      }
      header = cells;
      continue;
    }
    rows.push({ row: r, cells, raw: rawOf(cells) });
  }
  return {
    sheet: name,
    date1904,
    header: header ?? [],
    rows,
    merges: (ws["!merges"] ?? []).length,
  };
}
