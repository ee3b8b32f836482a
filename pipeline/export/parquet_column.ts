/**
 * One column of a Parquet row group: cells are appended as rows arrive and
 * encoded straight into reusable byte buffers (PLAIN values, or a dictionary
 * and its indexes for text), so a row group costs a few byte copies rather
 * than arrays of boxed values. `writeChunk` then hands the encoded parts to
 * `parquet_chunk.ts`, which writes the pages.
 *
 * docs/exports.md ("Parquet encoder") explains the layout and the choices.
 *
 * @module
 */

import type { Cell } from "./cells.ts";
import { jsonText } from "./cells.ts";
import type { Column } from "./columns.ts";
import { Bytes, compareUtf8, writeHybrid } from "./parquet_bytes.ts";
import { TextDictionary } from "./parquet_dictionary.ts";
import {
  type ChunkStatistics,
  type Codec,
  type ColumnChunk,
  writeColumnChunk,
  type Writer,
} from "./parquet_chunk.ts";

export type { Codec, ColumnChunk, FileMetaData, RowGroup, Writer } from "./parquet_chunk.ts";

/** The physical type of each column type (docs/exports.md, "Column types"). */
const PHYSICAL = {
  string: "BYTE_ARRAY",
  decimal: "BYTE_ARRAY",
  json: "BYTE_ARRAY",
  int32: "INT32",
  date: "INT32",
  int64: "INT64",
  timestamp: "INT64",
  double: "DOUBLE",
  boolean: "BOOLEAN",
} as const;

const DAY_MS = 86_400_000;
/** A dictionary is given up past this many value bytes (it would not pay, and memory stays bounded). */
const MAX_DICTIONARY_BYTES = 1 << 20;
/** A dictionary is given up past this many entries (keeps index widths ≤ 20 bits). */
const MAX_DICTIONARY_ENTRIES = 1 << 20;
/** After this many values, a column whose values are nearly all distinct drops its dictionary. */
const DICTIONARY_PROBE = 1_000;
/** Text min/max longer than this is left out of the statistics (bounds the footer's memory). */
const MAX_STAT_CHARS = 64;

type Stat = string | number | bigint | boolean;

/** Appends the cells of one column and writes them as a column chunk. */
export class ColumnBuilder {
  readonly type: typeof PHYSICAL[keyof typeof PHYSICAL];
  readonly #column: Column;
  /** 1 where the row has a value, 0 for null. */
  #defs = new Uint8Array(1024);
  #rows = 0;
  #present = 0;
  /** PLAIN values (numbers, packed booleans, or length-prefixed text once PLAIN). */
  #values = new Bytes();
  #min: Stat | undefined;
  #max: Stat | undefined;
  #lastDateText = "";
  #lastDays = 0;
  // Text columns start with a dictionary and fall back to PLAIN.
  #dictionary = new TextDictionary();
  #useDictionary = false;
  #indexes = new Int32Array(1024);
  /** What the present values would take as PLAIN (4-byte length + bytes each). */
  #plainSize = 0;
  #statsText: boolean;

  constructor(column: Column) {
    this.#column = column;
    this.type = PHYSICAL[column.type];
    this.#statsText = column.type !== "json";
    this.reset();
  }

  /** Rows appended since the last reset. */
  get rows(): number {
    return this.#rows;
  }

  /** Forgets the row group; buffers are kept for the next one. */
  reset(): void {
    this.#rows = 0;
    this.#present = 0;
    this.#values.length = 0;
    this.#dictionary.reset();
    this.#useDictionary = this.type === "BYTE_ARRAY";
    this.#plainSize = 0;
    this.#min = undefined;
    this.#max = undefined;
  }

  /** Appends one cell (null, or a value of the column's type as `toCell` makes it). */
  add(cell: Cell): void {
    const row = this.#rows++;
    if (row === this.#defs.length) this.#defs = grow8(this.#defs);
    if (cell === null || cell === undefined) {
      this.#defs[row] = 0;
      return;
    }
    this.#defs[row] = 1;
    const n = this.#present++;
    switch (this.#column.type) {
      case "string":
      case "decimal":
        this.#addText(cell as string, n);
        return;
      case "json":
        this.#addText(jsonText(cell), n);
        return;
      case "int32":
        this.#values.i32(cell as number);
        this.#stat(cell as number);
        return;
      case "date": {
        const text = cell as string;
        if (text !== this.#lastDateText) {
          this.#lastDateText = text;
          this.#lastDays = Date.parse(`${text}T00:00:00Z`) / DAY_MS;
        }
        this.#values.i32(this.#lastDays);
        this.#stat(this.#lastDays);
        return;
      }
      case "timestamp":
        this.#values.i64(cell as number);
        this.#stat(cell as number);
        return;
      case "int64":
        this.#values.i64n(cell as bigint);
        this.#stat(cell as bigint);
        return;
      case "double":
        this.#values.f64(cell as number);
        this.#stat(cell as number);
        return;
      case "boolean": {
        if ((n & 7) === 0) this.#values.u8(0);
        if (cell) this.#values.buf[this.#values.length - 1] |= 1 << (n & 7);
        this.#stat(cell as boolean);
        return;
      }
    }
  }

  #stat(v: number | bigint | boolean): void {
    if (this.#min === undefined || v < this.#min) this.#min = v;
    if (this.#max === undefined || v > this.#max) this.#max = v;
  }

  #textStat(text: string): void {
    if (!this.#statsText) return;
    if (this.#min === undefined || compareUtf8(text, this.#min as string) < 0) this.#min = text;
    if (this.#max === undefined || compareUtf8(text, this.#max as string) > 0) this.#max = text;
  }

  #addText(text: string, n: number): void {
    if (!this.#useDictionary) {
      const at = this.#values.length;
      this.#values.u32(0);
      const size = this.#values.utf8(text);
      this.#values.view.setUint32(at, size, true);
      this.#plainSize += 4 + size;
      this.#textStat(text);
      return;
    }
    const dictionary = this.#dictionary;
    const index = dictionary.indexOf(text);
    if (dictionary.added) this.#textStat(text);
    if (n === this.#indexes.length) this.#indexes = grow32(this.#indexes);
    this.#indexes[n] = index;
    this.#plainSize += 4 + dictionary.length(index);
    const entries = dictionary.size;
    if (
      dictionary.bytes.length > MAX_DICTIONARY_BYTES || entries > MAX_DICTIONARY_ENTRIES ||
      (n + 1 === DICTIONARY_PROBE && entries > 0.9 * DICTIONARY_PROBE)
    ) {
      this.#toPlain();
    }
  }

  /** Rewrites the values indexed so far as PLAIN and stops using the dictionary. */
  #toPlain(): void {
    const dictionary = this.#dictionary;
    const values = this.#values;
    values.length = 0;
    for (let k = 0; k < this.#present; k++) {
      const e = this.#indexes[k];
      values.copyFrom(dictionary.bytes, dictionary.start(e) - 4, 4 + dictionary.length(e));
    }
    this.#useDictionary = false;
    dictionary.reset();
  }

  /** True when the dictionary plus its indexes take at most half the PLAIN bytes. */
  #dictionaryPays(): boolean {
    if (!this.#useDictionary || this.#present === 0) return false;
    const dictionary = this.#dictionary;
    const indexBytes = Math.ceil(this.#present * indexWidth(dictionary.size) / 8);
    return 2 * (dictionary.bytes.length + indexBytes) <= this.#plainSize;
  }

  /**
   * Writes the column chunk of the rows appended since the last reset and
   * returns its footer entry. `scratch` is a reusable buffer.
   */
  writeChunk(
    out: Writer,
    options: { codec: Codec; compress: (bytes: Uint8Array) => Uint8Array; scratch: Bytes },
  ): ColumnChunk {
    const { scratch } = options;
    const useDictionary = this.type === "BYTE_ARRAY" && this.#dictionaryPays();
    if (this.type === "BYTE_ARRAY" && !useDictionary && this.#useDictionary) this.#toPlain();
    // Definition levels (bit width 1), then the dictionary indexes, share the scratch buffer.
    scratch.length = 0;
    writeHybrid(scratch, this.#defs, this.#rows, 1);
    const levelsLength = scratch.length;
    let values: Uint8Array;
    if (useDictionary) {
      const width = indexWidth(this.#dictionary.size);
      scratch.u8(width);
      writeHybrid(scratch, this.#indexes, this.#present, width);
      values = scratch.buf.subarray(levelsLength, scratch.length);
    } else {
      values = this.#values.bytes();
    }
    return writeColumnChunk(out, {
      name: this.#column.name,
      type: this.type,
      rows: this.#rows,
      present: this.#present,
      dictionary: useDictionary
        ? { page: this.#dictionary.bytes.bytes(), entries: this.#dictionary.size }
        : undefined,
      levels: scratch.buf.subarray(0, levelsLength),
      values,
      statistics: this.#statistics(),
    }, options);
  }

  #statistics(): ChunkStatistics {
    const stats: { null_count: bigint; min_value?: Stat; max_value?: Stat } = {
      null_count: BigInt(this.#rows - this.#present),
    };
    let min = this.#min;
    let max = this.#max;
    if (min === undefined || max === undefined) return stats;
    if (typeof min === "string" && min.length > MAX_STAT_CHARS) return stats;
    if (typeof max === "string" && max.length > MAX_STAT_CHARS) return stats;
    // Parquet orders -0 before +0: a zero bound is written as -0 (min) or +0 (max).
    if (this.type === "DOUBLE" && min === 0) min = -0;
    if (this.type === "DOUBLE" && max === 0) max = 0;
    stats.min_value = min;
    stats.max_value = max;
    return stats;
  }
}

/** Bits per dictionary index (at least 1, which every reader accepts). */
function indexWidth(entries: number): number {
  return Math.max(1, Math.ceil(Math.log2(entries)));
}

function grow8(a: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(a.length * 2);
  next.set(a);
  return next;
}

function grow32(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}
