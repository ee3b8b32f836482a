/**
 * Silver state of order lines, orders and customers, and how a new line
 * version changes it, as counter deltas.
 *
 * - `silverOrderBlock(o, b)` = {@link OrderBlock}: the current versions of
 *   the order's lines in block `b` (see order_blocks.ts), with the cents each
 *   was valued at when applied, so a later change subtracts exactly what was
 *   added. An order's summary ({@link OrderState}: per line its time,
 *   customer and whether it is a revenue line) is derived from its blocks
 *   when they are read; distinct `orders` follow from it.
 * - `silverCustomerCounts(c, part)` = per bucket of one part (a year, or
 *   `all`) the distinct orders of `c` with a revenue line in that bucket;
 *   `customers` and `repeat_customers` follow from them.
 * - `silverOrderByDay(day, o)` = {@link OrderDay}: lines of `o` on `day`
 *   (reconciliation input for monitoring).
 *
 * @module
 */

import { compareVersions, lineValueCents, orderLineFingerprint } from "../contracts/mod.ts";
import type { LineVersion, OrderLine } from "../contracts/types.ts";
import { goldCounter, silverCustomerCounts, silverOrderByDay } from "../../kv/keys.ts";
import { bucketPart, bucketsOfTime } from "../gold/metrics.ts";
import type { WriteSet } from "../jobs/write_set.ts";
import { HeldOrders, summaryOf } from "./held_orders.ts";
import { lineChange } from "./order_summary.ts";
import { OrderTally } from "./order_tally.ts";
import type { LineOutcome, OrderLineSummary, OrderState, SilverLine } from "./order_types.ts";

export { coverWeeksOfDay } from "./order_tally.ts";
export type {
  LineOutcome,
  OrderDay,
  OrderLineSummary,
  OrderState,
  SilverLine,
} from "./order_types.ts";
export type { OrderBlock } from "./order_blocks.ts";
export { LINE_BLOCK_BYTES } from "./held_orders.ts";

/** Upper bound of the mutations one line version can add to a batch. */
export const LINE_MUTATION_BOUND = 1 + 1 + 2 + 8 + 2 * 4 * 7 + 2 * 4 * 3 + 8 + 8;

/**
 * Loaded order and customer state. Every change is also written to the
 * batch's {@link WriteSet}: counter deltas and customer counts as they
 * happen, the order blocks a batch changed once, by {@link flush}.
 */
export class OrderStateSet {
  /** Order blocks and summaries. */
  readonly orders = new HeldOrders();
  /** Customer counts records by `customer \u0001 part` (see `bucketPart`). */
  readonly customers = new Map<string, Record<string, number>>();
  /** Line contributions of the batch, added to the write set by {@link flush}. */
  readonly #tally = new OrderTally();

  constructor(readonly fxRates: Record<string, string>) {}

  /** Entries held (order blocks, orders, customer records). */
  get size(): number {
    return this.orders.size + this.customers.size;
  }

  /** Customer counts records whose distinct-order counts the batch may change, not held yet. */
  customerKeys(lines: OrderLine[]): Deno.KvKey[] {
    const keys: Deno.KvKey[] = [];
    const seen = new Set<string>();
    const add = (customer: string, ts: number) => {
      for (const b of bucketsOfTime(ts)) {
        const part = bucketPart(b);
        const id = `${customer}\u0001${part}`;
        if (!seen.has(id) && !this.customers.has(id)) {
          seen.add(id);
          keys.push(silverCustomerCounts(customer, part));
        }
      }
    };
    for (const l of lines) {
      add(l.customerId, l.orderTs);
      // The current version's customer and time, from its order's summary.
      const listed = this.orders.summary(l.orderId)?.lines[String(l.lineNo)];
      if (listed) add(listed.customer, listed.ts);
    }
    return keys;
  }

  /** Stores read customer counts records (absent as empty). */
  loadCustomers(entries: Deno.KvEntryMaybe<unknown>[]): void {
    for (const e of entries) {
      this.customers.set(
        `${e.key[2] as string}\u0001${e.key[3] as string}`,
        (e.value as Record<string, number> | null) ?? {},
      );
    }
  }

  /** Distinct orders of `customer` with a revenue line in bucket `b` (its record must be loaded). */
  customerOrders(customer: string, b: string): number {
    return this.customers.get(`${customer}\u0001${bucketPart(b)}`)?.[b] ?? 0;
  }

  #setCustomerOrders(customer: string, b: string, n: number, ws: WriteSet): void {
    const part = bucketPart(b);
    const id = `${customer}\u0001${part}`;
    // A new record each time: the write set keeps the one it was given.
    const record = { ...this.customers.get(id) };
    const old = record[b] ?? 0;
    if (n === 0) delete record[b];
    else record[b] = n;
    this.customers.set(id, record);
    const key = silverCustomerCounts(customer, part);
    // A deferring batch leaves the record to the fold: a customer's record then
    // is written once per fold commit, not once per batch that changes it.
    if (ws.defers) ws.addToCount(key, b, n - old);
    else if (Object.keys(record).length > 0) ws.set(key, record);
    else ws.delete(key);
  }

  /**
   * Applies a line version if it is newer than the current one. A version
   * with the same fields only moves the version (an exact duplicate changes
   * no figure and is not re-valued). The line's order must be held.
   */
  apply(line: OrderLine, version: LineVersion, ws: WriteSet): LineOutcome {
    const cur = this.orders.line(line.orderId, line.lineNo);
    if (cur && compareVersions(version, cur.version) <= 0) return "stale";
    if (cur && orderLineFingerprint(cur.line) === orderLineFingerprint(line)) {
      this.orders.setLine({ ...cur, version });
      return "same";
    }
    const next: SilverLine = { line, version, cents: lineValueCents(line, this.fxRates) };
    this.replace(cur, next, ws);
    return "applied";
  }

  /**
   * Replaces the line's current version `cur` (or none) by `next`: moves its
   * contribution to every counter, the order and customer state, and puts
   * the line in its block. Rebuild calls it with `cur = null`.
   */
  replace(cur: SilverLine | null, next: SilverLine, ws: WriteSet): void {
    const { orderId, lineNo } = next.line;
    if (cur) this.#tally.add(cur, -1);
    this.#tally.add(next, 1);
    this.orders.setLine(next);
    const order = this.orders.summary(orderId) ?? { lines: {} };
    const key = String(lineNo);
    const summary = summaryOf(next);
    const after: OrderState = { lines: { ...order.lines, [key]: summary } };
    this.#orderDeltas(orderId, order, key, summary, ws);
    this.orders.setSummary(orderId, after);
  }

  /** Counter deltas and dirty marks tallied but not yet in a write set (an upper bound). */
  get pendingEntries(): number {
    return this.#tally.pendingEntries;
  }

  /** Order blocks changed but not yet in a write set. */
  get pendingBlocks(): number {
    return this.orders.pendingBlocks;
  }

  /** Serialised bytes of the changed order blocks, at most. */
  get pendingBlockBytes(): number {
    return this.orders.pendingBlockBytes;
  }

  /** Buckets of the tallied days, with repeats: an upper bound of their partitions. */
  get pendingBuckets(): number {
    return this.#tally.pendingBuckets;
  }

  /**
   * Adds the line contributions tallied since the last flush (see
   * `OrderTally.flush`) and the changed order blocks to `ws`. Call it before
   * committing a batch.
   */
  flush(ws: WriteSet): void {
    this.#tally.flush(ws);
    this.orders.flush(ws);
  }

  #orderDeltas(
    orderId: string,
    before: OrderState,
    lineNo: string,
    next: OrderLineSummary,
    ws: WriteSet,
  ): void {
    const change = lineChange(before, lineNo, before.lines[lineNo], next);
    if (!change) return;
    for (const [b, d] of change.orders) ws.counters.add(goldCounter("orders", b), d);
    for (const [customer, b, d] of change.customers) {
      const old = this.customerOrders(customer, b);
      const now = old + d;
      this.#setCustomerOrders(customer, b, now, ws);
      const dc = (now >= 1 ? 1 : 0) - (old >= 1 ? 1 : 0);
      const dr = (now >= 2 ? 1 : 0) - (old >= 2 ? 1 : 0);
      if (dc !== 0) ws.counters.add(goldCounter("customers", b), dc);
      if (dr !== 0) ws.counters.add(goldCounter("repeat_customers", b), dr);
    }
    for (const [day, lines] of change.days) {
      if (lines) ws.set(silverOrderByDay(day, orderId), lines);
      else ws.delete(silverOrderByDay(day, orderId));
    }
  }
}
