/**
 * Reading an inventory workbook safely (shared/spec/sources.md §3): the ZIP
 * is vetted before SheetJS sees it (declared and actual uncompressed sizes,
 * encryption, macros), the sheet is chosen from the workbook's own sheet list
 * (`inventory` if visible, else the first visible sheet), only that sheet is
 * parsed, densely, and only its real cells are read.
 *
 * @module
 */

import * as XLSX from "xlsx";
import type { Limits } from "../../config.ts";
import { HttpError } from "../../routes/errors.ts";
import { type InventoryCell, NO_CACHED_VALUE } from "../contracts/inventory.ts";
import {
  inflateEntry,
  InflateLimitError,
  looksLikeZip,
  readZipDirectory,
  ZipError,
} from "./zip.ts";

/** A sheet of the workbook, in tab order. */
export interface SheetInfo {
  name: string;
  hidden: boolean;
}

/** What vetting learned about a workbook. */
export interface VettedWorkbook {
  sheets: SheetInfo[];
}

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

const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function isOle(bytes: Uint8Array): boolean {
  return OLE_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** An OLE container holding an `EncryptionInfo` stream is an encrypted OOXML file. */
function oleIsEncrypted(bytes: Uint8Array): boolean {
  const needle = new Uint8Array([..."EncryptionInfo"].flatMap((ch) => [ch.charCodeAt(0), 0]));
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const k = e.toLowerCase();
    if (k === "amp") return "&";
    if (k === "lt") return "<";
    if (k === "gt") return ">";
    if (k === "quot") return '"';
    if (k === "apos") return "'";
    const code = k.startsWith("#x") ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : "";
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const name = m[1].includes(":") ? m[1].slice(m[1].indexOf(":") + 1) : m[1];
    out[name] = unescapeXml(m[2] ?? m[3] ?? "");
  }
  return out;
}

const decoder = new TextDecoder();

/**
 * Vets a workbook's container before parsing. Refuses: an OLE container
 * (encrypted OOXML, or a legacy `.xls`) and anything not a ZIP (`422`); an
 * encrypted entry (`422`); macros — a `vbaProject.bin` part or a macro-enabled
 * main content type (`422`); a declared or actual uncompressed size over
 * `limits.xlsxUncompressedBytes`, or a part inflating past its declared size
 * (`413`). Returns the sheet list in tab order.
 *
 * @example
 * ```ts
 * const { sheets } = await vetWorkbook(bytes, config.limits);
 * ```
 */
export async function vetWorkbook(bytes: Uint8Array, limits: Limits): Promise<VettedWorkbook> {
  if (isOle(bytes)) {
    if (oleIsEncrypted(bytes)) {
      throw new HttpError(422, "encrypted_workbook", "Workbook is encrypted");
    }
    throw new HttpError(422, "invalid_workbook", "File is a legacy .xls workbook, not XLSX");
  }
  if (!looksLikeZip(bytes)) {
    throw new HttpError(422, "invalid_workbook", "File is not an XLSX workbook");
  }
  let entries;
  try {
    entries = readZipDirectory(bytes);
  } catch (err) {
    throw new HttpError(
      422,
      "invalid_workbook",
      `Workbook is not a readable ZIP: ${(err as Error).message}`,
    );
  }
  const cap = limits.xlsxUncompressedBytes;
  if (entries.length > 10_000) {
    throw new HttpError(
      413,
      "too_large",
      `Workbook has ${entries.length} parts, over the limit of 10000`,
    );
  }
  let declared = 0;
  for (const e of entries) {
    if (e.flags & 1) throw new HttpError(422, "encrypted_workbook", "Workbook is encrypted");
    if (/(^|\/)vbaproject\.bin$/i.test(e.name)) {
      throw new HttpError(
        422,
        "macro_enabled_workbook",
        "Macro-enabled workbooks are not accepted",
      );
    }
    declared += e.size;
  }
  if (declared > cap) {
    throw new HttpError(
      413,
      "too_large",
      `Workbook declares ${declared} uncompressed bytes, over the limit of ${cap}`,
    );
  }
  let budget = cap;
  const kept = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (e.name.endsWith("/")) continue;
    const keep = e.name === "[Content_Types].xml" || /^xl\/workbook\d*\.xml$/i.test(e.name) ||
      /workbook\.xml$/i.test(e.name);
    try {
      const r = await inflateEntry(bytes, e, { cap: Math.min(e.size, budget), keep });
      budget -= r.size;
      if (r.data) kept.set(e.name, r.data);
    } catch (err) {
      if (err instanceof InflateLimitError) {
        throw new HttpError(
          413,
          "too_large",
          `Workbook part "${e.name}" inflates past its declared size or the limit of ${cap} bytes`,
        );
      }
      if (err instanceof ZipError) throw new HttpError(422, "invalid_workbook", err.message);
      throw err;
    }
  }
  const types = kept.get("[Content_Types].xml");
  if (!types) throw new HttpError(422, "invalid_workbook", "Workbook has no content types");
  const typesXml = decoder.decode(types);
  let mainPart = "xl/workbook.xml";
  for (const m of typesXml.matchAll(/<(?:\w+:)?Override\b[^>]*>/g)) {
    const a = attributes(m[0]);
    const type = a.ContentType ?? "";
    if (/\.main(\+xml)?$/i.test(type) && /sheet|template/i.test(type)) {
      if (/macroEnabled/i.test(type)) {
        throw new HttpError(
          422,
          "macro_enabled_workbook",
          "Macro-enabled workbooks are not accepted",
        );
      }
      mainPart = (a.PartName ?? "/xl/workbook.xml").replace(/^\//, "");
    }
  }
  let workbook = kept.get(mainPart);
  if (!workbook) {
    const e = entries.find((x) => x.name === mainPart);
    if (!e) throw new HttpError(422, "invalid_workbook", `Workbook part "${mainPart}" is missing`);
    workbook = (await inflateEntry(bytes, e, { cap: Math.min(e.size, budget), keep: true })).data!;
  }
  const xml = decoder.decode(workbook);
  const sheets: SheetInfo[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)) {
    const a = attributes(m[0]);
    if (a.name === undefined) continue;
    sheets.push({ name: a.name, hidden: a.state === "hidden" || a.state === "veryHidden" });
  }
  return { sheets };
}

/** The sheet to read: a visible `inventory` (any case), else the first visible sheet. */
export function chooseSheet(sheets: readonly SheetInfo[]): string {
  const visible = sheets.filter((s) => !s.hidden);
  const named = visible.find((s) => s.name.trim().toLowerCase() === "inventory");
  const chosen = named ?? visible[0];
  if (!chosen) throw new HttpError(422, "no_sheet", "Workbook has no visible sheet");
  return chosen.name;
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
