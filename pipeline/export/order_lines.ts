/**
 * Rows of the silver `order_lines` table: every current order line, by order
 * and line number, read from the order blocks (`silverOrderBlock`), one row
 * per line with the key parts `[order, line]`.
 *
 * Lines still in the layout before 2026-11-26 (`silverOrderLine`, until
 * `apply_orders` moves them) are listed first. A line moves together with
 * the rest of its block in one commit, and the old listing ends before the
 * blocks are listed, so a move during an export repeats or drops no line.
 *
 * @module
 */

import { silverOrderBlocksAll, silverOrderLines } from "../../kv/keys.ts";
import { type Cell, rowOf } from "./cells.ts";
import type { ExportTable } from "./tables.ts";

/**
 * The `order_lines` rows as batches of up to `size` typed rows, read lazily.
 *
 * @example
 * ```ts
 * for await (const rows of orderLineBatches(kv, findTable("silver", "order_lines")!, 500)) {
 *   console.log(rows.length);
 * }
 * ```
 */
export async function* orderLineBatches(
  kv: Deno.Kv,
  table: ExportTable,
  size: number,
): AsyncGenerator<Cell[][]> {
  let batch: Cell[][] = [];
  const legacy = silverOrderLines();
  for await (const e of kv.list({ prefix: legacy }, { batchSize: size })) {
    batch.push(rowOf(table.columns, e.value, e.key.slice(legacy.length)));
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  for await (const e of kv.list({ prefix: silverOrderBlocksAll() }, { batchSize: size })) {
    // Read tolerantly, like every export: a block that is not an object has no rows.
    const lines = (e.value as { lines?: unknown } | null)?.lines;
    if (typeof lines !== "object" || lines === null) continue;
    const orderId = e.key[2];
    for (const [lineNo, value] of Object.entries(lines)) {
      batch.push(rowOf(table.columns, value, [orderId, Number(lineNo)]));
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
