/**
 * Rows of an export table, produced lazily in batches straight from KV list
 * iterators, so a consumer that stops pulling stops the reads.
 *
 * @module
 */

import { type Cell, rowOf } from "./cells.ts";
import type { ExportTable } from "./tables.ts";
import { dailyBatches } from "./daily.ts";
import { blockBatches } from "./blocks.ts";

/** Largest KV list batch used (KV reads stay far below their 1,000-entry limit). */
export const MAX_BATCH_SIZE = 500;

/** Options of {@link tableBatches}. */
export interface RowOptions {
  /** First day, `YYYY-MM-DD` (dated tables and `daily` only). */
  from?: string;
  /** Last day, inclusive, `YYYY-MM-DD` (dated tables and `daily` only). */
  to?: string;
  /** Rows per batch and KV list batch size, 1–500 (default 500). */
  batchSize?: number;
}

function listSelector(
  prefix: Deno.KvKey,
  dayPrefix: ((day: string) => Deno.KvKey) | undefined,
  options: RowOptions,
): Deno.KvListSelector {
  const { from, to } = options;
  if (!dayPrefix || (from === undefined && to === undefined)) return { prefix };
  // The end bound is the prefix of the day `to + "\u0000"`: it sorts after
  // every key of day `to` (longer keys of that day included) and before the
  // next day.
  const end = to === undefined ? undefined : dayPrefix(`${to}\u0000`);
  if (from !== undefined && end !== undefined) return { start: dayPrefix(from), end };
  if (from !== undefined) return { prefix, start: dayPrefix(from) };
  return { prefix, end: end! };
}

async function* prefixBatches(
  kv: Deno.Kv,
  table: ExportTable,
  prefix: Deno.KvKey,
  dayPrefix: ((day: string) => Deno.KvKey) | undefined,
  options: RowOptions,
): AsyncGenerator<Cell[][]> {
  const size = batchSizeOf(options);
  const skip = prefix.length;
  let batch: Cell[][] = [];
  for await (
    const entry of kv.list(listSelector(prefix, dayPrefix, options), { batchSize: size })
  ) {
    batch.push(rowOf(table.columns, entry.value, entry.key.slice(skip)));
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** The batch size to use, clamped to 1…{@link MAX_BATCH_SIZE}. */
export function batchSizeOf(options: RowOptions): number {
  const n = Math.trunc(options.batchSize ?? MAX_BATCH_SIZE);
  return Math.min(MAX_BATCH_SIZE, Math.max(1, Number.isFinite(n) ? n : MAX_BATCH_SIZE));
}

/**
 * The table's rows as batches of typed cells (column order), read lazily.
 * Each batch is at most one KV list batch; only each batch is a consistent
 * snapshot (a KV limit), which docs/exports.md states.
 *
 * @example
 * ```ts
 * for await (const rows of tableBatches(kv, findTable("gold", "alerts")!)) {
 *   console.log(rows.length);
 * }
 * ```
 */
export function tableBatches(
  kv: Deno.Kv,
  table: ExportTable,
  options: RowOptions = {},
): AsyncGenerator<Cell[][]> {
  const source = table.source;
  if (source.kind === "daily") return dailyBatches(kv, table, options);
  if (source.kind === "blocks") return blockBatches(kv, table, source, batchSizeOf(options));
  return prefixBatches(kv, table, source.prefix, source.dayPrefix, options);
}
