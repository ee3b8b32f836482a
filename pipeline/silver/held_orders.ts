/**
 * The order blocks a batch or a drain holds, the summaries of the orders
 * whose blocks are all held, and the blocks changed since the last flush
 * (see order_blocks.ts for the layout).
 *
 * @module
 */

import type { OrderLine } from "../contracts/types.ts";
import { silverOrderBlock } from "../../kv/keys.ts";
import type { WriteSet } from "../jobs/write_set.ts";
import { blockOfLine, ORDER_BLOCK_LINES, type OrderBlock } from "./order_blocks.ts";
import { isRevenue } from "./order_tally.ts";
import type { OrderLineSummary, OrderState, SilverLine } from "./order_types.ts";

/**
 * Serialised bytes of a line in a block, at most: V8 stores a string in one
 * or two bytes per UTF-16 unit, and field names, numbers and tags take less
 * than 256 bytes.
 */
function lineBytes(l: SilverLine): number {
  const x = l.line;
  const chars = x.orderId.length + x.customerId.length + x.sku.length + x.unitPrice.length +
    x.currency.length + x.discount.length + x.status.length + (x.country?.length ?? 0) +
    (x.channel?.length ?? 0) + l.version.date.length;
  return 256 + 2 * chars;
}

/** Most bytes one line version can add to the changed blocks: its block and block 0, whole. */
export const LINE_BLOCK_BYTES = 2 * ORDER_BLOCK_LINES * (256 + 2 * 64 * 10);

function blockId(orderId: string, block: number): string {
  return `${orderId}\u0001${block}`;
}

/** What an order summary keeps of a line. */
export function summaryOf(l: SilverLine): OrderLineSummary {
  return { ts: l.line.orderTs, customer: l.line.customerId, revenue: isRevenue(l.line) };
}

/**
 * Held order blocks and summaries. Changing a line copies its block on the
 * first change of a batch (the write set keeps what it was given) and
 * {@link flush} writes each changed block once, whole.
 */
export class HeldOrders {
  /** Order blocks by `order \u0001 block`. */
  readonly #blocks = new Map<string, OrderBlock>();
  /** Per order whose blocks are all held: summaries of its current lines. */
  readonly #orders = new Map<string, OrderState>();
  /** Orders whose block 0 is held, with the further blocks still to read. */
  readonly #partial = new Map<string, number[]>();
  /** Blocks changed since the last flush, with their keys. */
  readonly #dirty = new Map<string, Deno.KvKey>();
  /** Bytes of the changed blocks, at most. */
  #dirtyBytes = 0;

  /** Entries held (blocks and summaries). */
  get size(): number {
    return this.#blocks.size + this.#orders.size;
  }

  /** The summary of a held order (undefined: not held, or a new order in a replay). */
  summary(orderId: string): OrderState | undefined {
    return this.#orders.get(orderId);
  }

  /** Sets the summary of an order after a line of it changed. */
  setSummary(orderId: string, state: OrderState): void {
    this.#orders.set(orderId, state);
  }

  /** Block-0 keys of the orders of a batch of line versions not held yet, without repeats. */
  orderKeys(lines: OrderLine[]): Deno.KvKey[] {
    const keys: Deno.KvKey[] = [];
    const seen = new Set<string>();
    for (const l of lines) {
      const o = l.orderId;
      if (seen.has(o) || this.#orders.has(o) || this.#partial.has(o)) continue;
      seen.add(o);
      keys.push(silverOrderBlock(o, 0));
    }
    return keys;
  }

  /**
   * Stores read order blocks (an absent block 0: a new order) and returns the
   * keys of further blocks still to read; an order's summary is built once
   * all its blocks are held.
   *
   * @example
   * ```ts
   * let keys = held.orderKeys(lines);
   * while (keys.length > 0) keys = held.loadBlocks(await getManyChunked(kv, keys));
   * ```
   */
  loadBlocks(entries: Deno.KvEntryMaybe<OrderBlock>[]): Deno.KvKey[] {
    const more: Deno.KvKey[] = [];
    const touched = new Set<string>();
    for (const e of entries) {
      const o = e.key[2] as string;
      const b = e.key[3] as number;
      touched.add(o);
      if (b === 0) {
        const head = e.value ?? { lines: {} };
        this.#blocks.set(blockId(o, 0), head);
        const missing = (head.more ?? []).filter((m) => !this.#blocks.has(blockId(o, m)));
        this.#partial.set(o, missing);
        for (const m of missing) more.push(silverOrderBlock(o, m));
      } else {
        // A listed block that is absent (not expected) holds no lines.
        this.#blocks.set(blockId(o, b), e.value ?? { lines: {} });
        const left = this.#partial.get(o)?.filter((m) => m !== b);
        if (left) this.#partial.set(o, left);
      }
    }
    for (const o of touched) {
      if (this.#partial.get(o)?.length !== 0) continue;
      this.#partial.delete(o);
      this.#orders.set(o, this.#summarise(o));
    }
    return more;
  }

  /**
   * Holds blocks as read, without summarising their orders: `rebuild` replays
   * their lines onto empty order summaries and writes the blocks back whole.
   */
  holdBlocks(entries: Deno.KvEntry<OrderBlock>[]): void {
    for (const e of entries) {
      this.#blocks.set(blockId(e.key[2] as string, e.key[3] as number), e.value);
    }
  }

  #summarise(orderId: string): OrderState {
    const head = this.#blocks.get(blockId(orderId, 0))!;
    const lines: Record<string, OrderLineSummary> = {};
    for (const b of [0, ...(head.more ?? [])]) {
      const block = this.#blocks.get(blockId(orderId, b));
      for (const n in block?.lines) lines[n] = summaryOf(block.lines[n]);
    }
    return { lines };
  }

  /** The current version of a line of a held order, or null. */
  line(orderId: string, lineNo: number): SilverLine | null {
    return this.#blocks.get(blockId(orderId, blockOfLine(lineNo)))?.lines[String(lineNo)] ?? null;
  }

  /** The block `b` of an order as this batch changes it: a copy, made on the first change. */
  #ownBlock(orderId: string, b: number): OrderBlock {
    const id = blockId(orderId, b);
    const held = this.#blocks.get(id);
    if (held && this.#dirty.has(id)) return held;
    const copy: OrderBlock = { lines: { ...held?.lines } };
    if (held?.more) copy.more = [...held.more];
    this.#blocks.set(id, copy);
    this.#dirty.set(id, silverOrderBlock(orderId, b));
    for (const n in copy.lines) this.#dirtyBytes += lineBytes(copy.lines[n]);
    return copy;
  }

  /** Puts a line version in its block (and the block in block 0's list). */
  setLine(next: SilverLine): void {
    const { orderId, lineNo } = next.line;
    const b = blockOfLine(lineNo);
    const block = this.#ownBlock(orderId, b);
    const key = String(lineNo);
    const old = block.lines[key];
    this.#dirtyBytes += lineBytes(next) - (old ? lineBytes(old) : 0);
    block.lines[key] = next;
    if (b === 0) return;
    // Block 0 lists the order's other blocks (it is written for a new order even without lines of its own).
    if (this.#blocks.get(blockId(orderId, 0))?.more?.includes(b)) return;
    const head = this.#ownBlock(orderId, 0);
    head.more = [...(head.more ?? []), b].sort((x, y) => x - y);
  }

  /** Order blocks changed but not yet in a write set. */
  get pendingBlocks(): number {
    return this.#dirty.size;
  }

  /** Serialised bytes of the changed order blocks, at most. */
  get pendingBlockBytes(): number {
    return this.#dirtyBytes;
  }

  /** Adds the changed blocks to `ws`, each once and whole. */
  flush(ws: WriteSet): void {
    for (const [id, key] of this.#dirty) ws.set(key, this.#blocks.get(id));
    this.#dirty.clear();
    this.#dirtyBytes = 0;
  }
}
