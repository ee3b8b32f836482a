/**
 * Vetting an inventory workbook before SheetJS sees it (shared/spec/sources.md
 * §3): an encrypted (OLE) file, a ZIP whose declared or actual uncompressed
 * sizes pass the limit, and macro-enabled workbooks are refused; the sheet
 * list is read from the workbook's own XML, and the sheet to read is chosen
 * from it.
 *
 * @module
 */

import type { Limits } from "../../config.ts";
import { HttpError } from "../../routes/errors.ts";
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
