/**
 * What an order's state implies for counters: the buckets where it has a
 * revenue line with their (customer, bucket) pairs, and its lines per day.
 *
 * @module
 */

import { bucketsOfTime } from "../gold/metrics.ts";
import type { OrderDay, OrderState } from "./order_types.ts";

/** Buckets where an order has a revenue line, and its (customer, bucket) pairs. */
export function revenueSets(order: OrderState): {
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

/** Lines and revenue lines of an order per day of their `orderTs`. */
export function daySummary(order: OrderState): Map<string, OrderDay> {
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
