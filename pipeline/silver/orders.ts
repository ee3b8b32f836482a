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

import {
  compareVersions,
  isoWeekOfDay,
  lineValueCents,
  mondayOfIsoWeek,
  orderLineFingerprint,
  REVENUE_STATUSES,
} from "../contracts/mod.ts";
import { addIsoWeeks } from "../contracts/mod.ts";
import type { LineVersion, OrderLine } from "../contracts/types.ts";
import {
  goldCounter,
  goldSkuCounter,
  silverCustomerCounts,
  silverOrder,
  silverOrderByDay,
  silverOrderLine,
} from "../../kv/keys.ts";
import { bucketPart, bucketsOfTime, VIEW } from "../gold/metrics.ts";
import type { WriteSet } from "../jobs/write_set.ts";

/** The current version of an order line. */
export interface SilverLine {
  line: OrderLine;
  version: LineVersion;
  /** Line value in US cents, with the FX table in force when this version was applied. */
  cents: number;
}

/** One line as the order state sees it. */
export interface OrderLineSummary {
  /** `orderTs`, epoch ms. */
  ts: number;
  customer: string;
  revenue: boolean;
}

/** Per order: its current lines (by `line_no`). */
export interface OrderState {
  lines: Record<string, OrderLineSummary>;
}

/** Value of `silverOrderByDay(day, o)`. */
export interface OrderDay {
  lines: number;
  revenue_lines: number;
}

/** What applying one staged version did. */
export type LineOutcome = "applied" | "same" | "stale";

/** Upper bound of the mutations one line version can add to a batch. */
export const LINE_MUTATION_BOUND = 1 + 1 + 2 + 8 + 2 * 4 * 7 + 2 * 4 * 3 + 8 + 8;

function lineId(orderId: string, lineNo: number): string {
  return `${orderId}\u0001${lineNo}`;
}

function isRevenue(line: OrderLine): boolean {
  return REVENUE_STATUSES.includes(line.status);
}

/** The four ISO weeks (as Mondays) whose 28-day cover window contains `day`. */
export function coverWeeksOfDay(day: string): string[] {
  let weeks = coverWeeks.get(day);
  if (!weeks) {
    const week = isoWeekOfDay(day);
    weeks = [1, 2, 3, 4].map((k) => mondayOfIsoWeek(addIsoWeeks(week, k)));
    if (coverWeeks.size > 20_000) coverWeeks.clear();
    coverWeeks.set(day, weeks);
  }
  return weeks;
}

const coverWeeks = new Map<string, string[]>();

/** A map that reads through to a base map and keeps its own writes (for dry runs). */
export class LayeredMap<V> {
  readonly #own = new Map<string, V>();
  constructor(readonly base?: LayeredMap<V>) {}

  /** Whether the key is known here or in the base. */
  has(key: string): boolean {
    return this.#own.has(key) || (this.base?.has(key) ?? false);
  }

  /** The value here, else in the base. */
  get(key: string): V | undefined {
    return this.#own.has(key) ? this.#own.get(key) : this.base?.get(key);
  }

  /** Sets the value in this layer only. */
  set(key: string, value: V): void {
    this.#own.set(key, value);
  }

  /** Entries held by this layer (not the base). */
  get size(): number {
    return this.#own.size;
  }
}

/** Line contributions of one batch to one day's buckets, before they go to a write set. */
interface DayTally {
  buckets: readonly string[];
  revenue_cents: number;
  units: number;
  refunded_cents: number;
  cancelled_lines: number;
  revenue: boolean;
  refunded: boolean;
  cancelled: boolean;
  skus: Map<string, { cents: number; units: number; lines: number }>;
}

/** Most counter and mark entries one tallied day adds (4 buckets × 4 counters + 4 + 4 marks). */
const DAY_ENTRIES = 24;
/** Most counter entries one tallied SKU of a day adds (4 buckets × 2 + 1). */
const SKU_ENTRIES = 9;

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
  /**
   * Line contributions of the batch by day (the day's bucket tuple), added to
   * the write set by {@link flush}: a line touches ~25 counters and marks, and
   * the lines of a batch share their days and SKUs.
   */
  #days = new Map<readonly string[], DayTally>();
  #pending = 0;

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
    if (n === 0) delete record[b];
    else record[b] = n;
    this.customers.set(id, record);
    const key = silverCustomerCounts(customer, part);
    if (Object.keys(record).length > 0) ws.set(key, record);
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
    if (cur) this.#contribute(cur, -1, ws);
    this.#contribute(next, 1, ws);
    this.lines.set(lineId(orderId, lineNo), next);
    ws.set(silverOrderLine(orderId, lineNo), next);
    const order = this.orders.get(orderId) ?? { lines: {} };
    const after: OrderState = {
      lines: {
        ...order.lines,
        [String(lineNo)]: {
          ts: next.line.orderTs,
          customer: next.line.customerId,
          revenue: isRevenue(next.line),
        },
      },
    };
    this.#orderDeltas(orderId, order, after, ws);
    this.orders.set(orderId, after);
    ws.set(silverOrder(orderId), after);
  }

  #contribute(rec: SilverLine, sign: 1 | -1, _ws: WriteSet): void {
    const { line, cents } = rec;
    const buckets = bucketsOfTime(line.orderTs);
    let t = this.#days.get(buckets);
    if (!t) {
      t = {
        buckets,
        revenue_cents: 0,
        units: 0,
        refunded_cents: 0,
        cancelled_lines: 0,
        revenue: false,
        refunded: false,
        cancelled: false,
        skus: new Map(),
      };
      this.#days.set(buckets, t);
      this.#pending += DAY_ENTRIES;
    }
    if (isRevenue(line)) {
      t.revenue = true;
      t.revenue_cents += sign * cents;
      t.units += sign * line.quantity;
      let sku = t.skus.get(line.sku);
      if (!sku) {
        sku = { cents: 0, units: 0, lines: 0 };
        t.skus.set(line.sku, sku);
        this.#pending += SKU_ENTRIES;
      }
      sku.cents += sign * cents;
      sku.units += sign * line.quantity;
      sku.lines += sign;
    } else if (line.status === "refunded") {
      t.refunded = true;
      t.refunded_cents += sign * cents;
    } else if (line.status === "cancelled") {
      t.cancelled = true;
      t.cancelled_lines += sign;
    }
  }

  /**
   * Counter deltas and dirty marks tallied by {@link replace} but not yet in
   * a write set: at most this many entries (for commit budgets).
   */
  get pendingEntries(): number {
    return this.#pending;
  }

  /**
   * Adds the line contributions tallied since the last flush to `ws`: per
   * bucket `revenue_cents`, `units`, `refunded_cents`, `cancelled_lines` and
   * the per-SKU counters (`revenue_lines` by day only), `orders` dirty marks,
   * and for revenue lines the `inventory` marks of the four snapshot weeks
   * whose window contains the day. Call it before committing a batch.
   */
  flush(ws: WriteSet): void {
    for (const t of this.#days.values()) {
      const day = t.buckets[0];
      for (const b of t.buckets) {
        ws.dirty(VIEW.orders, b);
        if (t.revenue) {
          ws.counters.add(goldCounter("revenue_cents", b), t.revenue_cents);
          ws.counters.add(goldCounter("units", b), t.units);
          for (const [sku, x] of t.skus) {
            ws.counters.add(goldSkuCounter(b, sku, "revenue_cents"), x.cents);
            ws.counters.add(goldSkuCounter(b, sku, "units"), x.units);
            // Line counts per SKU only by day (reconciliation); elsewhere `units` > 0 says the same.
            if (b === day) ws.counters.add(goldSkuCounter(b, sku, "revenue_lines"), x.lines);
          }
        }
        if (t.refunded) ws.counters.add(goldCounter("refunded_cents", b), t.refunded_cents);
        if (t.cancelled) ws.counters.add(goldCounter("cancelled_lines", b), t.cancelled_lines);
      }
      if (t.revenue) { for (const w of coverWeeksOfDay(day)) ws.dirty(VIEW.inventory, w); }
    }
    this.#days.clear();
    this.#pending = 0;
  }

  #orderDeltas(orderId: string, before: OrderState, after: OrderState, ws: WriteSet): void {
    const b0 = revenueSets(before);
    const b1 = revenueSets(after);
    for (const b of new Set([...b0.buckets, ...b1.buckets])) {
      const d = (b1.buckets.has(b) ? 1 : 0) - (b0.buckets.has(b) ? 1 : 0);
      if (d !== 0) ws.counters.add(goldCounter("orders", b), d);
    }
    for (const pair of new Set([...b0.pairs.keys(), ...b1.pairs.keys()])) {
      const had = b0.pairs.has(pair);
      const has = b1.pairs.has(pair);
      if (had === has) continue;
      const [customer, b] = (b1.pairs.get(pair) ?? b0.pairs.get(pair))!;
      const old = this.customerOrders(customer, b);
      const now = old + (has ? 1 : -1);
      this.#setCustomerOrders(customer, b, now, ws);
      const dc = (now >= 1 ? 1 : 0) - (old >= 1 ? 1 : 0);
      const dr = (now >= 2 ? 1 : 0) - (old >= 2 ? 1 : 0);
      if (dc !== 0) ws.counters.add(goldCounter("customers", b), dc);
      if (dr !== 0) ws.counters.add(goldCounter("repeat_customers", b), dr);
    }
    const d0 = daySummary(before);
    const d1 = daySummary(after);
    for (const day of new Set([...d0.keys(), ...d1.keys()])) {
      const x = d0.get(day);
      const y = d1.get(day);
      if (x && y && x.lines === y.lines && x.revenue_lines === y.revenue_lines) continue;
      if (y) ws.set(silverOrderByDay(day, orderId), y);
      else ws.delete(silverOrderByDay(day, orderId));
    }
  }
}

/** Buckets where an order has a revenue line, and its (customer, bucket) pairs. */
function revenueSets(order: OrderState): {
  buckets: Set<string>;
  pairs: Map<string, [string, string]>;
} {
  const buckets = new Set<string>();
  const pairs = new Map<string, [string, string]>();
  for (const l of Object.values(order.lines)) {
    if (!l.revenue) continue;
    for (const b of bucketsOfTime(l.ts)) {
      buckets.add(b);
      pairs.set(`${l.customer}\u0001${b}`, [l.customer, b]);
    }
  }
  return { buckets, pairs };
}

function daySummary(order: OrderState): Map<string, OrderDay> {
  const days = new Map<string, OrderDay>();
  for (const l of Object.values(order.lines)) {
    const day = bucketsOfTime(l.ts)[0];
    const d = days.get(day) ?? { lines: 0, revenue_lines: 0 };
    d.lines++;
    if (l.revenue) d.revenue_lines++;
    days.set(day, d);
  }
  return days;
}
