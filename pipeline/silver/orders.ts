/**
 * Silver state of order lines, orders and customers, and how a new line
 * version changes it, as counter deltas.
 *
 * - `silverOrderLine(o, n)` = {@link SilverLine}: the current version and the
 *   cents it was valued at when applied, so a later change subtracts exactly
 *   what was added.
 * - `silverOrder(o)` = {@link OrderState}: per line its time, customer and
 *   whether it is a revenue line; distinct `orders` follow from it.
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
import {
  goldCounter,
  silverCustomerCounts,
  silverOrder,
  silverOrderByDay,
  silverOrderLine,
} from "../../kv/keys.ts";
import { bucketPart, bucketsOfTime } from "../gold/metrics.ts";
import type { WriteSet } from "../jobs/write_set.ts";
import { LayeredMap } from "./layered_map.ts";
import { lineChange } from "./order_summary.ts";
import { isRevenue, OrderTally } from "./order_tally.ts";
import type { LineOutcome, OrderLineSummary, OrderState, SilverLine } from "./order_types.ts";

export { LayeredMap } from "./layered_map.ts";
export { coverWeeksOfDay } from "./order_tally.ts";
export type {
  LineOutcome,
  OrderDay,
  OrderLineSummary,
  OrderState,
  SilverLine,
} from "./order_types.ts";

/** Upper bound of the mutations one line version can add to a batch. */
export const LINE_MUTATION_BOUND = 1 + 1 + 2 + 8 + 2 * 4 * 7 + 2 * 4 * 3 + 8 + 8;

function lineId(orderId: string, lineNo: number): string {
  return `${orderId}\u0001${lineNo}`;
}

/**
 * Loaded order, line and customer state. Every change is also written to the
 * batch's {@link WriteSet}. Built on a base, it reads through to it and keeps
 * its own changes: a dry run on top of the state of a drain.
 */
export class OrderStateSet {
  readonly lines: LayeredMap<SilverLine | null>;
  readonly orders: LayeredMap<OrderState>;
  /** Customer counts records by `customer \u0001 part` (see `bucketPart`). */
  readonly customers: LayeredMap<Record<string, number>>;
  /** Line contributions of the batch, added to the write set by {@link flush}. */
  readonly #tally = new OrderTally();

  constructor(readonly fxRates: Record<string, string>, base?: OrderStateSet) {
    this.lines = new LayeredMap(base?.lines);
    this.orders = new LayeredMap(base?.orders);
    this.customers = new LayeredMap(base?.customers);
  }

  /** Entries held (lines, orders, customer buckets). */
  get size(): number {
    return this.lines.size + this.orders.size + this.customers.size;
  }

  /** Line and order keys of a batch of line versions, without repeats or keys already held. */
  lineAndOrderKeys(lines: OrderLine[]): Deno.KvKey[] {
    const keys: Deno.KvKey[] = [];
    const seen = new Set<string>();
    for (const l of lines) {
      const id = lineId(l.orderId, l.lineNo);
      if (!seen.has(id) && !this.lines.has(id)) {
        seen.add(id);
        keys.push(silverOrderLine(l.orderId, l.lineNo));
      }
      if (!seen.has(l.orderId) && !this.orders.has(l.orderId)) {
        seen.add(l.orderId);
        keys.push(silverOrder(l.orderId));
      }
    }
    return keys;
  }

  /** Order keys of a batch of line versions not held yet, without repeats. */
  orderKeys(lines: OrderLine[]): Deno.KvKey[] {
    const keys: Deno.KvKey[] = [];
    const seen = new Set<string>();
    for (const l of lines) {
      if (seen.has(l.orderId) || this.orders.has(l.orderId)) continue;
      seen.add(l.orderId);
      keys.push(silverOrder(l.orderId));
    }
    return keys;
  }

  /**
   * Keys of the current lines a batch may replace that are not held yet; the
   * orders of `lines` must be loaded. A line is written in the same commit as
   * its order's entry for it, so a line its order does not list does not
   * exist: it is held as absent without a read. `all` reads them anyway (when
   * an interrupted rebuild may have left lines without their order state).
   */
  lineKeys(lines: OrderLine[], all: boolean): Deno.KvKey[] {
    const keys: Deno.KvKey[] = [];
    for (const l of lines) {
      const id = lineId(l.orderId, l.lineNo);
      if (this.lines.has(id)) continue;
      const listed = this.orders.get(l.orderId)?.lines[String(l.lineNo)] !== undefined;
      // Held as absent until loaded, so a repeat in this batch is not read twice.
      this.lines.set(id, null);
      if (all || listed) keys.push(silverOrderLine(l.orderId, l.lineNo));
    }
    return keys;
  }

  /** Stores read line and order entries. */
  loadLinesAndOrders(entries: Deno.KvEntryMaybe<unknown>[]): void {
    for (const e of entries) {
      if (e.key[1] === "order_lines") {
        this.lines.set(lineId(e.key[2] as string, e.key[3] as number), e.value as SilverLine);
      } else {
        this.orders.set(e.key[2] as string, (e.value as OrderState) ?? { lines: {} });
      }
    }
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
      // The current version's customer and time: from its order's summary
      // (lines may not be loaded yet), or from the line when loaded.
      const listed = this.orders.get(l.orderId)?.lines[String(l.lineNo)];
      if (listed) add(listed.customer, listed.ts);
      const cur = this.lines.get(lineId(l.orderId, l.lineNo));
      if (cur) add(cur.line.customerId, cur.line.orderTs);
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
   * no figure and is not re-valued).
   */
  apply(line: OrderLine, version: LineVersion, ws: WriteSet): LineOutcome {
    const id = lineId(line.orderId, line.lineNo);
    const cur = this.lines.get(id) ?? null;
    if (cur && compareVersions(version, cur.version) <= 0) return "stale";
    if (cur && orderLineFingerprint(cur.line) === orderLineFingerprint(line)) {
      const next = { ...cur, version };
      this.lines.set(id, next);
      ws.set(silverOrderLine(line.orderId, line.lineNo), next);
      return "same";
    }
    const next: SilverLine = { line, version, cents: lineValueCents(line, this.fxRates) };
    this.replace(cur, next, ws);
    return "applied";
  }

  /**
   * Replaces the line's current version `cur` (or none) by `next`: moves its
   * contribution to every counter, the order and customer state, and writes
   * the silver line. Rebuild calls it with `cur = null`.
   */
  replace(cur: SilverLine | null, next: SilverLine, ws: WriteSet): void {
    const { orderId, lineNo } = next.line;
    if (cur) this.#tally.add(cur, -1);
    this.#tally.add(next, 1);
    this.lines.set(lineId(orderId, lineNo), next);
    ws.set(silverOrderLine(orderId, lineNo), next);
    const order = this.orders.get(orderId) ?? { lines: {} };
    const key = String(lineNo);
    const summary: OrderLineSummary = {
      ts: next.line.orderTs,
      customer: next.line.customerId,
      revenue: isRevenue(next.line),
    };
    const after: OrderState = { lines: { ...order.lines, [key]: summary } };
    this.#orderDeltas(orderId, order, key, summary, ws);
    this.orders.set(orderId, after);
    ws.set(silverOrder(orderId), after);
  }

  /** Counter deltas and dirty marks tallied but not yet in a write set (an upper bound). */
  get pendingEntries(): number {
    return this.#tally.pendingEntries;
  }

  /** Buckets of the tallied days, with repeats: an upper bound of their partitions. */
  get pendingBuckets(): number {
    return this.#tally.pendingBuckets;
  }

  /**
   * Adds the line contributions tallied since the last flush to `ws` (see
   * `OrderTally.flush`). Call it before committing a batch.
   */
  flush(ws: WriteSet): void {
    this.#tally.flush(ws);
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
