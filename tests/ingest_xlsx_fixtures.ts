/**
 * Test workbooks: built with the xlsx package, and taken apart and zipped
 * again where a test needs what SheetJS will not write (a zip bomb, a lying
 * size, a huge declared range, a formula without a cached value, macros).
 *
 * @module
 */

import * as XLSX from "xlsx";
import { inflateEntry, readZipDirectory } from "../pipeline/ingest/zip.ts";

/** One sheet of a test workbook. */
export interface TestSheet {
  name: string;
  rows: unknown[][];
  hidden?: boolean;
  merges?: XLSX.Range[];
}

/** Builds an XLSX workbook. */
export function workbook(sheets: TestSheet[], options: { date1904?: boolean } = {}): Uint8Array {
  const wb = XLSX.utils.book_new();
  for (const s of sheets) {
    const ws = XLSX.utils.aoa_to_sheet(s.rows);
    if (s.merges) ws["!merges"] = s.merges;
    XLSX.utils.book_append_sheet(wb, ws, s.name);
  }
  wb.Workbook = {
    Sheets: sheets.map((s) => ({ name: s.name, Hidden: s.hidden ? 1 : 0 })),
    WBProps: { date1904: options.date1904 ?? false },
  } as XLSX.WorkBook["Workbook"];
  return new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx" }) as ArrayBuffer);
}

/** The standard inventory header. */
export const INVENTORY_HEADER = [
  "sku",
  "product_name",
  "category",
  "warehouse",
  "on_hand",
  "reorder_point",
  "unit_cost",
];

/** A valid inventory row. */
export function inventoryRow(i: number, warehouse = "W1"): unknown[] {
  return [`SKU-${i}`, `Product ${i}`, i % 2 ? "Kitchen" : "Garden", warehouse, 10 + i, 5, 2.5];
}

/** The files of a ZIP archive. */
export async function unzip(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const e of readZipDirectory(bytes)) {
    if (e.name.endsWith("/")) continue;
    const r = await inflateEntry(bytes, e, { cap: 1 << 30, keep: true });
    out.set(e.name, r.data!);
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("deflate-raw"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A file to zip; `declaredSize` overrides the uncompressed size written in the headers. */
export interface ZipFile {
  name: string;
  data: Uint8Array;
  declaredSize?: number;
  encrypted?: boolean;
}

/** Writes a ZIP archive (deflate) from files. */
export async function zip(files: ZipFile[]): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const comp = await deflateRaw(f.data);
    const crc = crc32(f.data);
    const size = f.declaredSize ?? f.data.byteLength;
    const flags = f.encrypted ? 1 : 0;
    const local = new Uint8Array(30 + name.length + comp.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, 8, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, comp.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    local.set(comp, 30 + name.length);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, 8, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, comp.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const dirSize = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, dirSize, true);
  ev.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, end];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Rewrites some files of a workbook (text edits) and zips it again. */
export async function editWorkbook(
  bytes: Uint8Array,
  edit: (files: Map<string, string>) => void,
  extra: ZipFile[] = [],
): Promise<Uint8Array> {
  const files = await unzip(bytes);
  const dec = new TextDecoder();
  const text = new Map<string, string>();
  for (const [name, data] of files) text.set(name, dec.decode(data));
  edit(text);
  const enc = new TextEncoder();
  return await zip([
    ...[...text].map(([name, t]) => ({ name, data: enc.encode(t) })),
    ...extra,
  ]);
}

/** An OLE compound file header with an `EncryptionInfo` stream name, as Excel writes encrypted files. */
export function encryptedWorkbook(): Uint8Array {
  const bytes = new Uint8Array(4096);
  bytes.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 0);
  const name = [..."EncryptionInfo"].flatMap((c) => [c.charCodeAt(0), 0]);
  bytes.set(name, 1024);
  return bytes;
}
