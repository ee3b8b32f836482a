/**
 * Rows of tables whose records are stored in blocks (`silver/order_lines`:
 * order blocks; `silver/events`: event blocks): one row per record of each
 * block, with the key parts a per-record key would have had.
 *
 * Records still in the layout before 2026-11-26 (one key each, until the
 * jobs move them) are listed first, under `legacy`. A record moves together
 * with the rest of its block in one commit, and the old listing ends before
 * the blocks are listed, so a move during an export repeats or drops none.
 *
 * @module
 */

import { type Cell, rowOf } from "./cells.ts";
import type { ExportTable } from "./tables.ts";

/** Where a block table's rows come from (see `TableSource`). */
export interface BlockSource {
  kind: "blocks";
  /** Prefix of the records still kept one key each. */
  legacy: Deno.KvKey;
  /** Prefix of the blocks. */
  prefix: Deno.KvKey;
  /** The records of a block (read tolerantly: none when malformed) with their key parts. */
  records: (value: unknown, key: Deno.KvKey) => Iterable<[unknown, Deno.KvKeyPart[]]>;
}

/**
 * The rows of a block table as batches of up to `size` typed rows, read lazily.
 *
 * @example
 * ```ts
 * const table = findTable("silver", "order_lines")!;
 * for await (const rows of blockBatches(kv, table, table.source as BlockSource, 500)) {
 *   console.log(rows.length);
 * }
 * ```
 */
export async function* blockBatches(
  kv: Deno.Kv,
  table: ExportTable,
  source: BlockSource,
  size: number,
): AsyncGenerator<Cell[][]> {
  let batch: Cell[][] = [];
  for await (const e of kv.list({ prefix: source.legacy }, { batchSize: size })) {
    batch.push(rowOf(table.columns, e.value, e.key.slice(source.legacy.length)));
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  for await (const e of kv.list({ prefix: source.prefix }, { batchSize: size })) {
    for (const [value, key] of source.records(e.value, e.key)) {
      batch.push(rowOf(table.columns, value, key));
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The lines of an order block, each with the key parts `[order, line]`.
 *
 * @example
 * ```ts
 * [...orderBlockRecords({ lines: { 1: line } }, ["silver", "order_blocks", "A1", 0])];
 * // [[line, ["A1", 1]]]
 * ```
 */
export function* orderBlockRecords(
  value: unknown,
  key: Deno.KvKey,
): Iterable<[unknown, Deno.KvKeyPart[]]> {
  const lines = (value as { lines?: unknown } | null)?.lines;
  if (typeof lines !== "object" || lines === null) return;
  for (const [lineNo, line] of Object.entries(lines)) yield [line, [key[2], Number(lineNo)]];
}

/**
 * The events of an event block, each with the key parts `[shard, id]`.
 *
 * @example
 * ```ts
 * [...eventBlockRecords({ events: [event] }, ["silver", "~event_blocks", 0, event.id])];
 * // [[event, [0, event.id]]]
 * ```
 */
export function* eventBlockRecords(
  value: unknown,
  key: Deno.KvKey,
): Iterable<[unknown, Deno.KvKeyPart[]]> {
  const events = (value as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return;
  for (const event of events) {
    const id = (event as { id?: unknown } | null)?.id;
    yield [event, [key[2], typeof id === "string" ? id : ""]];
  }
}
