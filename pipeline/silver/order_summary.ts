/**
 * What replacing one line of an order changes in the order-level figures:
 * the buckets where the order has a revenue line (`orders`), its (customer,
 * bucket) pairs (`customers`, `repeat_customers`) and its lines per day
 * (`silverOrderByDay`). Only the replaced line differs between the order's
 * before and after states, so the change is worked out from that line and a
 * look at the order's other lines, without building either state's sets.
 *
 * @module
 */

import { bucketsOfTime } from "../gold/metrics.ts";
import type { OrderDay, OrderLineSummary, OrderState } from "./order_types.ts";

/** Order-level changes of replacing one line (see {@link lineChange}). */
export interface OrderLineChange {
  /** `[bucket, ±1]`: the order gains or loses its only revenue line in the bucket. */
  orders: [string, number][];
  /** `[customer, bucket, ±1]`: the order starts or stops counting for the customer there. */
  customers: [string, string, number][];
  /** `[day, lines]`: the order's lines on a day whose figures changed (`null`: none left). */
  days: [string, OrderDay | null][];
}

/** Whether a revenue line of `order` other than `skip` falls in bucket `b` (at `slot` of its buckets), for `customer` when given. */
function othersCover(
  order: OrderState,
  skip: string,
  slot: number,
  b: string,
  customer: string | null,
): boolean {
  for (const k in order.lines) {
    if (k === skip) continue;
    const l = order.lines[k];
    if (!l.revenue || (customer !== null && l.customer !== customer)) continue;
    if (bucketsOfTime(l.ts)[slot] === b) return true;
  }
  return false;
}

/** Lines of `order` other than `skip` on `day`, plus `extra` when it is on that day. */
function linesOnDay(
  order: OrderState,
  skip: string,
  day: string,
  extra: OrderLineSummary | undefined,
): OrderDay {
  const out: OrderDay = { lines: 0, revenue_lines: 0 };
  const count = (l: OrderLineSummary) => {
    if (bucketsOfTime(l.ts)[0] !== day) return;
    out.lines++;
    if (l.revenue) out.revenue_lines++;
  };
  for (const k in order.lines) if (k !== skip) count(order.lines[k]);
  if (extra) count(extra);
  return out;
}

/**
 * The order-level changes of replacing line `lineNo` of `before` (whose
 * entry is `old`, if listed) by `next`; `null` when nothing changes (same
 * day, customer and revenue flag).
 *
 * @example
 * ```ts
 * const change = lineChange(order, "1", order.lines["1"], { ts, customer: "c1", revenue: true });
 * ```
 */
export function lineChange(
  before: OrderState,
  lineNo: string,
  old: OrderLineSummary | undefined,
  next: OrderLineSummary,
): OrderLineChange | null {
  const ob = old ? bucketsOfTime(old.ts) : null;
  const nb = bucketsOfTime(next.ts);
  // bucketsOfTime returns one tuple per day, so equal tuples mean the same day.
  if (old && ob === nb && old.customer === next.customer && old.revenue === next.revenue) {
    return null;
  }
  const change: OrderLineChange = { orders: [], customers: [], days: [] };
  const oc = old?.revenue ? old.customer : null;
  const nc = next.revenue ? next.customer : null;
  for (let slot = 0; slot < 4; slot++) {
    const was = oc !== null ? ob![slot] : null;
    const is = nc !== null ? nb[slot] : null;
    if (was !== is) {
      if (was !== null && !othersCover(before, lineNo, slot, was, null)) {
        change.orders.push([was, -1]);
      }
      if (is !== null && !othersCover(before, lineNo, slot, is, null)) {
        change.orders.push([is, 1]);
      }
    }
    if (was === is && oc === nc) continue;
    if (was !== null && !othersCover(before, lineNo, slot, was, oc)) {
      change.customers.push([oc!, was, -1]);
    }
    if (is !== null && !othersCover(before, lineNo, slot, is, nc)) {
      change.customers.push([nc!, is, 1]);
    }
  }
  const days = ob && ob[0] !== nb[0] ? [ob[0], nb[0]] : [nb[0]];
  for (const day of days) {
    const x = linesOnDay(before, lineNo, day, old);
    const y = linesOnDay(before, lineNo, day, next);
    if (x.lines === y.lines && x.revenue_lines === y.revenue_lines) continue;
    change.days.push([day, y.lines > 0 ? y : null]);
  }
  return change;
}
