/**
 * Staging an orders CSV as it streams in: each data row is parsed, checked
 * against the contract and written with its parse result, while the bytes are
 * hashed for the duplicate-file check (docs/pipeline.md, "Files").
 *
 * @module
 */

import { createHash } from "node:crypto";
import { HttpError } from "../../routes/errors.ts";
import type { HeaderMatch } from "../contracts/header.ts";
import { matchOrderHeader, normaliseOrderRow, orderRowFromCells } from "../contracts/orders.ts";
import type { LineVersion, Rejection } from "../contracts/types.ts";
import { type CsvRecord, csvRecords } from "./csv.ts";
import { missingColumnsError, type StagedEntry, stageInBatches } from "./staging.ts";
import type { StagedRow, UploadRecord } from "./upload_types.ts";
import type { FencedWriter } from "./fenced_writer.ts";

/** What staging an orders file needs. */
export interface OrderRowContext {
  date: string;
  seq: number;
  receivedAt: number;
  fxRates: Record<string, string>;
  /** Longest accepted row, in characters. */
  maxRowChars: number;
}

function withLine(rejection: Rejection, line: number): Rejection {
  return { ...rejection, message: `${rejection.message} (line ${line})` };
}

/**
 * The staged form of one CSV data row: a normalised line with its version, or
 * a rejection (broken quoting, wrong field count, too long, or a contract
 * rule), with the raw text.
 */
export function stagedOrderRow(
  record: CsvRecord,
  header: { match: HeaderMatch; width: number },
  row: number,
  ctx: OrderRowContext,
): StagedRow {
  const raw = record.raw;
  const rejected = (rejection: Rejection): StagedRow => ({
    kind: "rejected",
    rejection: withLine(rejection, record.line),
    raw,
  });
  if (record.tooLarge) {
    return rejected({
      reason: "too_large",
      message: `Row exceeds the limit of ${ctx.maxRowChars} characters`,
    });
  }
  if (record.error) return rejected({ reason: "malformed", message: record.error });
  if (record.fields.length !== header.width) {
    return rejected({
      reason: "malformed",
      message: `Row has ${record.fields.length} fields, expected ${header.width}`,
    });
  }
  const result = normaliseOrderRow(orderRowFromCells(record.fields, header.match.index), {
    receivedAt: ctx.receivedAt,
    fxRates: ctx.fxRates,
  });
  if (!result.ok) return rejected(result.rejection);
  const version: LineVersion = { date: ctx.date, upload: ctx.seq, row };
  return { kind: "line", line: result.value, version, warnings: result.warnings, raw };
}

/** What staging found. */
export interface StagedFile {
  rows: number;
  sha256: string;
  header: string[];
  unknownColumns: string[];
}

/**
 * Parses a CSV stream and stages every data row of `record` in fenced commits
 * of up to ~900 rows, up to two commits in flight while the next batch is parsed,
 * hashing the (decompressed) bytes on the way. Throws a `422` for a file
 * without its required columns or not in UTF-8 (the caller discards it).
 */
export async function stageOrderRows(
  writer: FencedWriter,
  record: UploadRecord,
  stream: ReadableStream<Uint8Array>,
  ctx: OrderRowContext,
): Promise<StagedFile> {
  const hash = createHash("sha256");
  const hashed = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
  // Set while the rows are produced; read once they are all staged.
  const parsed: { header: ParsedHeader | null; rows: number } = { header: null, rows: 0 };
  async function* stagedRows(): AsyncGenerator<StagedEntry> {
    for await (
      const records of csvRecords(hashed, {
        maxRecordChars: ctx.maxRowChars,
        keepChars: 16 * 1024,
      })
    ) {
      for (const rec of records) {
        if (!parsed.header) {
          parsed.header = headerOf(rec);
          continue;
        }
        const row = ++parsed.rows;
        yield { row, value: stagedOrderRow(rec, parsed.header, row, ctx) };
      }
    }
    if (!parsed.header) {
      throw new HttpError(422, "missing_column", "File has no header row");
    }
  }
  await stageInBatches(writer, record.id, stagedRows());
  const header = parsed.header!;
  return {
    rows: parsed.rows,
    sha256: hash.digest("hex"),
    header: header.cells,
    unknownColumns: header.match.unknown,
  };
}

type ParsedHeader = { match: HeaderMatch; width: number; cells: string[] };

function headerOf(rec: CsvRecord): ParsedHeader {
  if (rec.error || rec.tooLarge) {
    throw new HttpError(422, "malformed_header", `Header row is not valid CSV (line ${rec.line})`);
  }
  const match = matchOrderHeader(rec.fields);
  if (match.missing.length > 0) throw missingColumnsError(match.missing);
  return { match, width: rec.fields.length, cells: rec.fields };
}
