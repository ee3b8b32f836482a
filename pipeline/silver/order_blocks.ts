/**
 * Silver order lines are stored by order, in blocks of
 * {@link ORDER_BLOCK_LINES} line numbers (`silverOrderBlock(order, block)`):
 * a typical order is one record, read and written once per batch, instead of
 * one key per line plus a summary of the order. Block 0 exists for every
 * order with a line and lists the order's other blocks.
 *
 * Stores written before 2026-11-26 kept one key per line (`silverOrderLine`);
 * `migrateOrderLines` moves them, and the readers here read both until then.
 *
 * @module
 */

import { silverOrder, silverOrderBlock, silverOrderLinesOf } from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { SilverLine } from "./order_types.ts";

/** Line numbers per block: the ingest's order-head blocks use the same split. */
export const ORDER_BLOCK_LINES = 32;

/** Value of `silverOrderBlock(order, block)`. */
export interface OrderBlock {
  /** Current line versions by `line_no`. */
  lines: Record<string, SilverLine>;
  /** Block 0 only: the order's other blocks that exist, ascending. */
  more?: number[];
}

/**
 * The block of a line number.
 *
 * @example
 * ```ts
 * blockOfLine(1); // 0
 * blockOfLine(33); // 1
 * ```
 */
export function blockOfLine(lineNo: number): number {
  return Math.floor((lineNo - 1) / ORDER_BLOCK_LINES);
}

/** A block's lines in `line_no` order (integer-like keys enumerate ascending). */
export function linesOfBlock(block: OrderBlock): SilverLine[] {
  return Object.values(block.lines);
}

/**
 * The current lines of each order, in `line_no` order; an order with no line
 * gets an empty list. Reads block 0, then the further blocks it lists; lines
 * still in the layout before 2026-11-26 are listed per order.
 *
 * @example
 * ```ts
 * const [lines] = await readOrderLines(kv, ["A1"]);
 * ```
 */
export async function readOrderLines(kv: Deno.Kv, orderIds: string[]): Promise<SilverLine[][]> {
  const heads = await getManyChunked<OrderBlock>(kv, orderIds.map((o) => silverOrderBlock(o, 0)));
  const more: Deno.KvKey[] = [];
  heads.forEach((h, i) => {
    for (const b of h.value?.more ?? []) more.push(silverOrderBlock(orderIds[i], b));
  });
  const blocks = new Map<string, OrderBlock>();
  for (const e of await getManyChunked<OrderBlock>(kv, more)) {
    if (e.value) blocks.set(`${e.key[2] as string}\u0001${e.key[3] as number}`, e.value);
  }
  return await Promise.all(orderIds.map(async (o, i) => {
    const head = heads[i].value;
    if (!head) return await legacyLines(kv, o);
    const out = linesOfBlock(head);
    for (const b of head.more ?? []) {
      const block = blocks.get(`${o}\u0001${b}`);
      if (block) out.push(...linesOfBlock(block));
    }
    return out;
  }));
}

/** An order's lines in the layout before 2026-11-26 (none once moved). */
async function legacyLines(kv: Deno.Kv, orderId: string): Promise<SilverLine[]> {
  const out: SilverLine[] = [];
  for await (const e of kv.list<SilverLine>({ prefix: silverOrderLinesOf(orderId) })) {
    out.push(e.value);
  }
  return out;
}

/**
 * Whether each order has a silver line: its block 0 exists, or (layout
 * before 2026-11-26) its summary lists a line.
 *
 * @example
 * ```ts
 * const [known] = await ordersExist(kv, ["A1"]);
 * ```
 */
export async function ordersExist(kv: Deno.Kv, orderIds: string[]): Promise<boolean[]> {
  const keys = orderIds.flatMap((o) => [silverOrderBlock(o, 0), silverOrder(o)]);
  const entries = await getManyChunked<{ lines?: Record<string, unknown> }>(kv, keys);
  return orderIds.map((_, i) => {
    if (entries[2 * i].value) return true;
    const legacy = entries[2 * i + 1].value;
    return legacy !== null && Object.keys(legacy.lines ?? {}).length > 0;
  });
}
