/**
 * Parquet exports read back with parquet-wasm, the Rust `parquet` crate of
 * Apache Arrow (arrow-rs) compiled to WebAssembly: an implementation that
 * shares no code or authors with the encoder (pipeline/export/parquet*.ts)
 * or with hyparquet-writer. Its Arrow output is read with apache-arrow and
 * every row, value and Arrow type is compared with the cells the exporter
 * was given.
 */

import { tableFromIPC } from "apache-arrow";
import fc from "fast-check";
import { ParquetFile, readParquet } from "parquet-wasm";
import { parquetReadObjects } from "hyparquet";
import { assert, assertEquals } from "./assert.ts";
import {
  ALL_TYPE_COLUMNS,
  allTypeRows,
  chunksOf,
  concat,
  seedFixtures,
} from "./export_fixtures.ts";
import {
  type Cell,
  type Column,
  type ColumnType,
  createParquetEncoder,
  EXPORT_TABLES,
  exportStream,
  jsonText,
  tableBatches,
} from "../pipeline/export/mod.ts";

/** The Arrow type arrow-rs gives each column type (its Parquet → Arrow mapping). */
const ARROW_TYPE: Record<ColumnType, string> = {
  string: "Utf8",
  decimal: "Utf8",
  json: "Utf8",
  int32: "Int32",
  int64: "Int64",
  double: "Float64",
  boolean: "Bool",
  timestamp: "Timestamp<MILLISECOND, UTC>",
  date: "Date32<DAY>",
};

/** A cell as apache-arrow returns the value arrow-rs decoded. */
function arrowValue(type: ColumnType, cell: Cell): unknown {
  if (cell === null) return null;
  if (type === "date") return Date.parse(`${cell}T00:00:00Z`);
  if (type === "json") return jsonText(cell);
  return cell;
}

interface ArrowRead {
  rows: Record<string, unknown>[];
  fields: { name: string; type: string; nullable: boolean }[];
  metadata: Map<string, string>;
  rowGroups: number[];
}

/** Reads a Parquet file with arrow-rs (parquet-wasm) into plain rows. */
async function readWithArrow(bytes: Uint8Array<ArrayBuffer>): Promise<ArrowRead> {
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  const file = await ParquetFile.fromFile(new Blob([bytes]));
  try {
    const meta = file.metadata();
    return {
      rows: table.toArray().map((r) => ({ ...r.toJSON() })),
      fields: table.schema.fields.map((f) => ({
        name: f.name,
        type: String(f.type),
        nullable: f.nullable,
      })),
      metadata: table.schema.metadata,
      rowGroups: meta.rowGroups().map((g) => g.numRows()),
    };
  } finally {
    file.free();
  }
}

function expectedRows(columns: readonly Column[], rows: readonly Cell[][]) {
  return rows.map((r) =>
    Object.fromEntries(columns.map((c, i) => [c.name, arrowValue(c.type, r[i] ?? null)]))
  );
}

function encode(columns: readonly Column[], rows: readonly Cell[][], groupRows: number) {
  const enc = createParquetEncoder(columns, { rowGroupRows: groupRows });
  return concat([enc.start(), enc.append(rows), enc.finish()]);
}

Deno.test("parquet-wasm (arrow-rs) reads every declared table's export row for row", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await seedFixtures(kv);
    let tablesWithRows = 0;
    for (const table of EXPORT_TABLES) {
      const cells: Cell[][] = [];
      for await (const batch of tableBatches(kv, table)) cells.push(...batch);
      const stream = exportStream(kv, table, "parquet", { rowGroupRows: 2 });
      const read = await readWithArrow(concat(await chunksOf(stream)));
      const where = `${table.layer}/${table.name}`;
      assertEquals(read.rows, expectedRows(table.columns, cells), where);
      assertEquals(
        read.fields,
        table.columns.map((c) => ({ name: c.name, type: ARROW_TYPE[c.type], nullable: true })),
        where,
      );
      assertEquals(read.metadata.get("table"), `${table.layer}.${table.name}`);
      // Row groups of 2 rows; an empty table is one empty row group.
      const groups = Array.from({ length: Math.ceil(cells.length / 2) }, (_, g) => g * 2);
      assertEquals(
        read.rowGroups,
        cells.length === 0 ? [0] : groups.map((first) => Math.min(2, cells.length - first)),
        where,
      );
      if (cells.length > 0) tablesWithRows++;
    }
    assert(tablesWithRows >= 8, `Fixtures fill most tables (${tablesWithRows})`);
  } finally {
    kv.close();
  }
});

Deno.test("parquet-wasm (arrow-rs) reads random rows of every column type exactly", async () => {
  const columns = ALL_TYPE_COLUMNS;
  await fc.assert(
    fc.asyncProperty(
      allTypeRows({ text: fc.string({ unit: "grapheme" }), maxRows: 40 }),
      fc.integer({ min: 1, max: 16 }),
      async (rows, groupRows) => {
        const read = await readWithArrow(encode(columns, rows, groupRows));
        assertEquals(read.rows, expectedRows(columns, rows));
        assertEquals(read.rowGroups.reduce((a, b) => a + b, 0), rows.length);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("dictionary-encoded text, runs and nulls read back alike in arrow-rs and hyparquet", async () => {
  // Few distinct values over many rows: dictionaries, RLE runs and bit-packed
  // indexes; a column of unique values past 1,000 rows drops its dictionary.
  const columns = ALL_TYPE_COLUMNS.filter((c) => c.type !== "json");
  const pick = <T>(values: T[]) => fc.constantFrom(...values);
  const row = fc.tuple(
    fc.option(pick(["web", "app", "märketplace", "😀", ""]), { nil: null, freq: 8 }),
    fc.option(pick(["0", "1.5", "-2.25"]), { nil: null }),
    fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    fc.option(pick([1n, -(2n ** 63n), 2n ** 63n - 1n]), { nil: null }),
    fc.option(pick([0, -0, 1.5, -1e300]), { nil: null }),
    fc.option(fc.boolean(), { nil: null }),
    fc.option(pick([0, -1, 1_795_600_800_123]), { nil: null }),
    fc.option(pick(["2026-11-25", "1969-12-31"]), { nil: null }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(row, fc.nat(5), fc.boolean()), { minLength: 1, maxLength: 2_500 }),
      fc.integer({ min: 500, max: 3_000 }),
      async (draws, groupRows) => {
        // Runs of equal rows, and an id column unique per row in half the cases.
        const rows: Cell[][] = [];
        for (const [r, repeat, unique] of draws) {
          for (let k = 0; k <= repeat && rows.length < 2_500; k++) {
            const cells = [...r] as Cell[];
            if (unique && cells[0] !== null) cells[0] = `id-${rows.length}`;
            rows.push(cells);
          }
        }
        const bytes = encode(columns, rows, groupRows);
        const read = await readWithArrow(bytes);
        assertEquals(read.rows, expectedRows(columns, rows));
        const file = new ArrayBuffer(bytes.byteLength);
        new Uint8Array(file).set(bytes);
        const hyparquetRows = await parquetReadObjects({ file, utf8: true });
        assertEquals(hyparquetRows.length, rows.length);
        assertEquals(
          hyparquetRows.map((r) => [r.c_string, r.c_decimal, r.c_int64]),
          rows.map((r) => [r[0], r[1], r[3]]),
        );
      },
    ),
    { numRuns: 25 },
  );
});
