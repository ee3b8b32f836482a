/**
 * Line contributions of one batch to gold counters, tallied per day (the
 * day's bucket tuple) and SKU and added to a write set once per batch: a line
 * touches ~25 counters and marks, and the lines of a batch share their days
 * and SKUs.
 *
 * @module
 */

import { addIsoWeeks, isoWeekOfDay, mondayOfIsoWeek, REVENUE_STATUSES } from "../contracts/mod.ts";
import type { OrderLine } from "../contracts/types.ts";
import { goldCounter, goldSkuCounter } from "../../kv/keys.ts";
import { bucketsOfTime, VIEW } from "../gold/metrics.ts";
import type { WriteSet } from "../jobs/write_set.ts";
import type { SilverLine } from "./order_types.ts";

/** Whether a line counts as revenue (its status is one of `REVENUE_STATUSES`). */
export function isRevenue(line: OrderLine): boolean {
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
 * Counter deltas of a batch's line versions, by day and SKU, until
 * {@link flush} adds them to a write set.
 */
export class OrderTally {
  #days = new Map<readonly string[], DayTally>();
  #pending = 0;

  /** Adds (`sign` 1) or removes (`sign` -1) the contribution of a line version. */
  add(rec: SilverLine, sign: 1 | -1): void {
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
   * Counter deltas and dirty marks tallied by {@link add} but not yet in
   * a write set: at most this many entries (for commit budgets).
   */
  get pendingEntries(): number {
    return this.#pending;
  }

  /** Buckets of the days tallied since the last flush, with repeats (4 per day). */
  get pendingBuckets(): number {
    return this.#days.size * 4;
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
}
