/**
 * Writes one encoded Parquet column chunk: an optional dictionary page, then
 * one data page v2 (definition levels, then the values, compressed), and
 * returns its footer entry. The encoding itself is `parquet_column.ts`'s.
 *
 * @module
 */

import { writePageHeader } from "hyparquet-writer/src/datapage.js";
import type { writeMetadata } from "hyparquet-writer/src/metadata.js";

/** The footer's metadata, as hyparquet-writer's `writeMetadata` takes it. */
export type FileMetaData = Parameters<typeof writeMetadata>[1];
/** One row group of the footer. */
export type RowGroup = FileMetaData["row_groups"][number];
/** One column chunk of the footer. */
export type ColumnChunk = RowGroup["columns"][number];
/** The byte sink of hyparquet-writer (its `ByteWriter`). */
export type Writer = Parameters<typeof writeMetadata>[0];
/** A column chunk's physical type. */
export type PhysicalType = NonNullable<ColumnChunk["meta_data"]>["type"];
/** A column chunk's statistics. */
export type ChunkStatistics = NonNullable<ColumnChunk["meta_data"]>["statistics"];

/** Compression of the value sections. */
export type Codec = "SNAPPY" | "UNCOMPRESSED";

/** One column chunk, encoded. */
export interface EncodedChunk {
  name: string;
  type: PhysicalType;
  /** Rows in the chunk, nulls included. */
  rows: number;
  /** Rows with a value. */
  present: number;
  /** The PLAIN dictionary page, when the values are dictionary indexes. */
  dictionary?: { page: Uint8Array; entries: number };
  /** Definition levels (RLE/bit-packed hybrid, bit width 1); never compressed. */
  levels: Uint8Array;
  /** PLAIN values, or the index bit width and the indexes with a dictionary. */
  values: Uint8Array;
  statistics: ChunkStatistics;
}

/**
 * Appends `chunk` to `out` and returns its footer entry.
 *
 * @example
 * ```ts
 * columns.push(writeColumnChunk(out, encoded, { codec: "SNAPPY", compress: snappy }));
 * ```
 */
export function writeColumnChunk(
  out: Writer,
  chunk: EncodedChunk,
  options: { codec: Codec; compress: (bytes: Uint8Array) => Uint8Array },
): ColumnChunk {
  const { codec } = options;
  const compress = codec === "SNAPPY" ? options.compress : (b: Uint8Array) => b;
  const start = out.offset;
  let uncompressed = 0;
  let dictionaryPageOffset: bigint | undefined;
  if (chunk.dictionary) {
    dictionaryPageOffset = BigInt(out.offset);
    const page = chunk.dictionary.page;
    const packed = compress(page);
    const headerStart = out.offset;
    writePageHeader(out, {
      type: "DICTIONARY_PAGE",
      uncompressed_page_size: page.length,
      compressed_page_size: packed.length,
      dictionary_page_header: { num_values: chunk.dictionary.entries, encoding: "PLAIN" },
    });
    uncompressed += out.offset - headerStart + page.length;
    out.appendBytes(packed);
  }

  const { levels, values } = chunk;
  const packed = compress(values);
  const dataPageOffset = BigInt(out.offset);
  const headerStart = out.offset;
  const encoding = chunk.dictionary ? "RLE_DICTIONARY" : "PLAIN";
  writePageHeader(out, {
    type: "DATA_PAGE_V2",
    uncompressed_page_size: levels.length + values.length,
    compressed_page_size: levels.length + packed.length,
    data_page_header_v2: {
      num_values: chunk.rows,
      num_nulls: chunk.rows - chunk.present,
      num_rows: chunk.rows,
      encoding,
      definition_levels_byte_length: levels.length,
      repetition_levels_byte_length: 0,
      is_compressed: codec !== "UNCOMPRESSED",
    },
  });
  uncompressed += out.offset - headerStart + levels.length + values.length;
  out.appendBytes(levels);
  out.appendBytes(packed);

  return {
    file_offset: BigInt(start),
    meta_data: {
      type: chunk.type,
      encodings: chunk.dictionary ? ["PLAIN", "RLE", "RLE_DICTIONARY"] : ["PLAIN", "RLE"],
      path_in_schema: [chunk.name],
      codec,
      num_values: BigInt(chunk.rows),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(out.offset - start),
      data_page_offset: dataPageOffset,
      dictionary_page_offset: dictionaryPageOffset,
      statistics: chunk.statistics,
      encoding_stats: [
        ...(chunk.dictionary
          ? [{ page_type: "DICTIONARY_PAGE" as const, encoding: "PLAIN" as const, count: 1 }]
          : []),
        { page_type: "DATA_PAGE_V2" as const, encoding, count: 1 },
      ],
    },
  };
}
