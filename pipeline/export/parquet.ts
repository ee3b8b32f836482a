/**
 * Parquet encoding, one row group at a time (docs/exports.md, "Parquet
 * encoder"): column chunks are encoded by `parquet_column.ts` into reused
 * buffers; page headers, the footer (Thrift) and Snappy come from
 * hyparquet-writer. The output buffer is emptied after every row group, so
 * memory is bounded by one row group plus the footer's small per-row-group
 * metadata, whatever the row count.
 *
 * @module
 */

import { ByteWriter } from "hyparquet-writer";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import type { Cell } from "./cells.ts";
import type { Column, ColumnType } from "./columns.ts";
import { Bytes } from "./parquet_bytes.ts";
import { type Codec, ColumnBuilder, type FileMetaData, type RowGroup } from "./parquet_column.ts";

/** A Parquet schema element, as hyparquet-writer's own hyparquet version declares it. */
export type SchemaElement = FileMetaData["schema"][number];

/** `application/vnd.apache.parquet` (registered with IANA in 2024). */
export const PARQUET_CONTENT_TYPE = "application/vnd.apache.parquet";

/** Rows per row group unless told otherwise. */
export const DEFAULT_ROW_GROUP_ROWS = 10_000;

/** `PAR1`, little-endian. */
const MAGIC = 0x31524150;
const CREATED_BY = "ecommerce-pipeline export (hyparquet-writer footer)";

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

/** Options of {@link createParquetEncoder}. */
export interface ParquetEncoderOptions {
  /** Compression of every column (default `SNAPPY`, hyparquet-writer's built-in codec). */
  codec?: Codec;
  /** Key-value metadata stored in the footer. */
  metadata?: Record<string, string>;
  /** Rows per row group for {@link ParquetEncoder.append} (default 10,000). */
  rowGroupRows?: number;
}

/** Encodes a table as Parquet bytes, row group by row group. */
export interface ParquetEncoder {
  /** The file header (`PAR1`) and nothing else. */
  start(): Uint8Array;
  /**
   * Appends rows; every time `rowGroupRows` rows are buffered they are
   * written as a row group. Returns the bytes of the row groups completed by
   * this call (often none: an empty array).
   */
  append(rows: readonly Cell[][]): Uint8Array;
  /** Writes the buffered rows (if any) and then `rows` as one row group and returns its bytes. */
  writeRowGroup(rows: readonly Cell[][]): Uint8Array;
  /** Writes the buffered rows as a last row group, then the footer, and returns their bytes. */
  finish(): Uint8Array;
}

/**
 * An encoder whose output is taken after each call, so a stream can send each
 * row group as soon as it is encoded. Rows are taken apart into per-column
 * buffers as they are appended, so a buffered row group is a few byte arrays,
 * not rows of cells.
 *
 * @example
 * ```ts
 * const enc = createParquetEncoder(table.columns, { rowGroupRows: 10_000 });
 * const parts = [enc.start(), enc.append(rows), enc.finish()];
 * ```
 */
export function createParquetEncoder(
  columns: readonly Column[],
  options: ParquetEncoderOptions = {},
): ParquetEncoder {
  const codec = options.codec ?? "SNAPPY";
  const groupRows = Math.max(1, Math.trunc(options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS));
  const schema = parquetSchema(columns);
  const builders = columns.map((c) => new ColumnBuilder(c));
  const scratch = new Bytes();
  const rowGroups: RowGroup[] = [];
  let numRows = 0n;
  // hyparquet-writer's ByteWriter, as its own file writer uses it: offsets
  // stay absolute (`offset`), the buffer position (`index`) restarts after
  // each take, so the buffer holds at most one row group (or the footer).
  const out = new ByteWriter(256 * 1024);
  out.appendUint32(MAGIC);
  const take = (): Uint8Array => {
    const bytes = new Uint8Array(out.buffer, 0, out.index).slice();
    out.index = 0;
    return bytes;
  };
  let buffered = 0;

  function writeGroup(evenEmpty = false): void {
    if (buffered === 0 && !evenEmpty) return;
    const groupStart = out.offset;
    const chunks = builders.map((b) =>
      b.writeChunk(out, { codec, compress: snappyCompress, scratch })
    );
    let totalByteSize = 0n;
    for (const chunk of chunks) totalByteSize += chunk.meta_data?.total_uncompressed_size ?? 0n;
    rowGroups.push({
      columns: chunks,
      total_byte_size: totalByteSize,
      num_rows: BigInt(buffered),
      file_offset: BigInt(groupStart),
      total_compressed_size: BigInt(out.offset - groupStart),
    });
    numRows += BigInt(buffered);
    for (const b of builders) b.reset();
    buffered = 0;
  }

  function add(rows: readonly Cell[][], flushEvery: boolean): void {
    for (const row of rows) {
      for (let i = 0; i < builders.length; i++) builders[i].add(row[i] ?? null);
      if (++buffered === groupRows && flushEvery) writeGroup();
    }
  }

  return {
    start: take,
    append(rows) {
      add(rows, true);
      return take();
    },
    writeRowGroup(rows) {
      add(rows, false);
      writeGroup();
      return take();
    },
    finish() {
      // A file without rows gets one empty row group, as pyarrow writes an
      // empty table: hyparquet-writer's Thrift encoder cannot type an empty
      // list, and strict readers (arrow-rs) reject an untyped one.
      writeGroup(rowGroups.length === 0);
      const keyValues = Object.entries(options.metadata ?? {}).map(([key, value]) => ({
        key,
        value,
      }));
      const metadata: FileMetaData = {
        version: 2,
        created_by: CREATED_BY,
        schema,
        num_rows: numRows,
        row_groups: rowGroups,
        // An empty list would be written with a guessed element type that
        // strict readers (arrow-rs) reject, so no metadata means no field.
        key_value_metadata: keyValues.length > 0 ? keyValues : undefined,
        metadata_length: 0,
      };
      // metadata_length is the reader's field, not serialised.
      delete (metadata as Partial<FileMetaData>).metadata_length;
      writeMetadata(out, metadata);
      out.appendUint32(MAGIC);
      return take();
    },
  };
}
