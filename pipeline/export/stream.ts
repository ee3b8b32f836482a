/**
 * A table export as a byte stream: rows are read from KV only as the consumer
 * pulls, encoded batch by batch (CSV, NDJSON) or row group by row group
 * (Parquet), so memory does not grow with the table.
 *
 * @module
 */

import type { Cell } from "./cells.ts";
import { csvHeader, csvRecords } from "./csv.ts";
import { ndjsonLines } from "./ndjson.ts";
import {
  createParquetEncoder,
  DEFAULT_ROW_GROUP_ROWS,
  PARQUET_CONTENT_TYPE,
  type ParquetEncoder,
} from "./parquet.ts";
import { type RowOptions, tableBatches } from "./rows.ts";
import type { ExportTable } from "./tables.ts";

/** The export formats. */
export const EXPORT_FORMATS = ["csv", "ndjson", "parquet"] as const;

/** An export format. */
export type ExportFormat = typeof EXPORT_FORMATS[number];

/** Content type and file extension of each format. */
export const FORMAT_INFO: Record<ExportFormat, { contentType: string; extension: string }> = {
  csv: { contentType: "text/csv; charset=utf-8; header=present", extension: "csv" },
  ndjson: { contentType: "application/x-ndjson; charset=utf-8", extension: "ndjson" },
  parquet: { contentType: PARQUET_CONTENT_TYPE, extension: "parquet" },
};

/** True for a supported format name. */
export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** Options of {@link exportStream}. */
export interface ExportOptions extends RowOptions {
  /** Parquet rows per row group (default 10,000). */
  rowGroupRows?: number;
  /** Parquet compression (default `SNAPPY`). */
  codec?: "SNAPPY" | "UNCOMPRESSED";
}

/**
 * The download name of an export, e.g. `silver_order_lines.csv`.
 *
 * @example
 * ```ts
 * exportFileName(findTable("gold", "daily")!, "parquet"); // "gold_daily.parquet"
 * ```
 */
export function exportFileName(table: ExportTable, format: ExportFormat): string {
  return `${table.layer}_${table.name}.${FORMAT_INFO[format].extension}`;
}

/** Turns batches of rows into encoded chunks; `flush` ends the document. */
interface Encoder {
  head(): Uint8Array | null;
  push(rows: Cell[][]): Uint8Array | null;
  flush(): Uint8Array | null;
}

function textEncoder(table: ExportTable, format: "csv" | "ndjson"): Encoder {
  const enc = new TextEncoder();
  return {
    head: () => format === "csv" ? enc.encode(csvHeader(table.columns)) : null,
    push: (rows) =>
      enc.encode(
        format === "csv" ? csvRecords(table.columns, rows) : ndjsonLines(table.columns, rows),
      ),
    flush: () => null,
  };
}

function parquetEncoder(table: ExportTable, options: ExportOptions): Encoder {
  const pq: ParquetEncoder = createParquetEncoder(table.columns, {
    codec: options.codec,
    rowGroupRows: options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS,
    metadata: { table: `${table.layer}.${table.name}` },
  });
  return {
    head: () => pq.start(),
    push: (rows) => pq.append(rows),
    flush: () => pq.finish(),
  };
}

/**
 * Streams a table in a format. Nothing is read from KV until the stream is
 * pulled; cancelling the stream stops the KV listing. An error while
 * streaming errors the stream (the HTTP response is cut short, so a client
 * sees an incomplete transfer rather than a silently truncated file).
 *
 * @example
 * ```ts
 * const body = exportStream(kv, findTable("silver", "order_lines")!, "parquet");
 * return new Response(body, { headers: { "content-type": FORMAT_INFO.parquet.contentType } });
 * ```
 */
export function exportStream(
  kv: Deno.Kv,
  table: ExportTable,
  format: ExportFormat,
  options: ExportOptions = {},
): ReadableStream<Uint8Array> {
  const encoder = format === "parquet"
    ? parquetEncoder(table, options)
    : textEncoder(table, format);
  let batches: AsyncGenerator<Cell[][]> | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          batches = tableBatches(kv, table, options);
          const head = encoder.head();
          if (head && head.length > 0) {
            controller.enqueue(head);
            return;
          }
        }
        // Pull batches until one yields output, so every pull enqueues or closes.
        while (true) {
          const next = await batches!.next();
          if (next.done) {
            const tail = encoder.flush();
            if (tail && tail.length > 0) controller.enqueue(tail);
            controller.close();
            return;
          }
          const chunk = encoder.push(next.value);
          if (chunk && chunk.length > 0) {
            controller.enqueue(chunk);
            return;
          }
        }
      } catch (err) {
        console.error(`Export of "${table.layer}/${table.name}" failed`, err);
        controller.error(err);
        await batches?.return(undefined);
      }
    },
    async cancel() {
      await batches?.return(undefined);
    },
  });
}
