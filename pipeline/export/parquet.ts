/**
 * Parquet encoding, one row group at a time, with hyparquet-writer's
 * `ParquetWriter` (docs/exports.md, "Why hyparquet-writer"). The writer's
 * output buffer is emptied after every row group, so memory is bounded by one
 * row group plus the footer's per-row-group metadata, whatever the row count.
 *
 * @module
 */

import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { Cell } from "./cells.ts";
import type { Column, ColumnType } from "./columns.ts";

/** A Parquet schema element, as the writer's own hyparquet version declares it. */
export type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];

/** `application/vnd.apache.parquet` (registered with IANA in 2024). */
export const PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";

/** Rows per row group unless told otherwise. */
export const DEFAULT_ROW_GROUP_ROWS = 10_000;

const DAY_MS = 86_400_000;

/** The Parquet schema element of a column (every column is OPTIONAL). */
export function parquetElement(name: string, type: ColumnType): SchemaElement {
  const base = { name, repetition_type: "OPTIONAL" } as const;
  switch (type) {
    case "string":
    case "decimal":
      return {
        ...base,
        type: "BYTE_ARRAY",
        converted_type: "UTF8",
        logical_type: { type: "STRING" },
      };
    case "int32":
      return { ...base, type: "INT32" };
    case "int64":
      return { ...base, type: "INT64" };
    case "double":
      return { ...base, type: "DOUBLE" };
    case "boolean":
      return { ...base, type: "BOOLEAN" };
    case "timestamp":
      return {
        ...base,
        type: "INT64",
        converted_type: "TIMESTAMP_MILLIS",
        logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" },
      };
    case "date":
      return { ...base, type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } };
    case "json":
      return {
        ...base,
        type: "BYTE_ARRAY",
        converted_type: "JSON",
        logical_type: { type: "JSON" },
      };
  }
}

/** The whole Parquet schema of a table: a root and one leaf per column. */
export function parquetSchema(columns: readonly Column[]): SchemaElement[] {
  return [
    { name: "root", num_children: columns.length },
    ...columns.map((c) => parquetElement(c.name, c.type)),
  ];
}

/** Column values in the form hyparquet-writer expects for the column's schema element. */
function columnValues(type: ColumnType, rows: readonly Cell[][], index: number): unknown[] {
  const out = new Array<unknown>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const cell = rows[r][index];
    // A DATE is stored as days since the epoch.
    out[r] = type === "date" && cell !== null ? Date.parse(`${cell}T00:00:00Z`) / DAY_MS : cell;
  }
  return out;
}

/** Options of {@link createParquetEncoder}. */
export interface ParquetEncoderOptions {
  /** Compression of every column (default `SNAPPY`, hyparquet-writer's built-in codec). */
  codec?: "SNAPPY" | "UNCOMPRESSED";
  /** Key-value metadata stored in the footer. */
  metadata?: Record<string, string>;
}

/** Encodes a table as Parquet bytes, row group by row group. */
export interface ParquetEncoder {
  /** The file header (`PAR1`) and nothing else. */
  start(): Uint8Array;
  /** Encodes one row group and returns its bytes. */
  writeRowGroup(rows: readonly Cell[][]): Uint8Array;
  /** Encodes the page indexes and the footer and returns their bytes. */
  finish(): Uint8Array;
}

/**
 * An encoder whose output is taken after each call, so a stream can send each
 * row group as soon as it is encoded.
 *
 * @example
 * ```ts
 * const enc = createParquetEncoder(table.columns);
 * const parts = [enc.start(), enc.writeRowGroup(rows), enc.finish()];
 * ```
 */
export function createParquetEncoder(
  columns: readonly Column[],
  options: ParquetEncoderOptions = {},
): ParquetEncoder {
  const writer = new ByteWriter(64 * 1024);
  // Take what was written so far; offsets stay absolute (`writer.offset`), only
  // the buffer position restarts, as hyparquet-writer's own file writer does.
  const take = (): Uint8Array => {
    const bytes = new Uint8Array(writer.buffer, 0, writer.index).slice();
    writer.index = 0;
    return bytes;
  };
  const pq = new ParquetWriter({
    writer,
    schema: parquetSchema(columns),
    codec: options.codec ?? "SNAPPY",
    createdBy: "ecommerce-pipeline export (hyparquet-writer)",
    kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return {
    start: take,
    writeRowGroup(rows) {
      if (rows.length === 0) return new Uint8Array(0);
      const columnData = columns.map((c, i) => ({
        name: c.name,
        // deno-lint-ignore no-explicit-any
        data: columnValues(c.type, rows, i) as any[],
      }));
      pq.write({ columnData, rowGroupSize: rows.length });
      return take();
    },
    finish() {
      pq.finish();
      return take();
    },
  };
}
