/**
 * Shapes of the cross-source reconciliation (checks job) as stored in gold.
 *
 * @module
 */

import type { CrossSourceDay } from "../read/types.ts";

/** View name of the per-day figures (`goldView("cross_source", day)`). */
export const CROSS_SOURCE_VIEW = "cross_source";

/** The kinds of finding, each browsable with `listReconciliation`. */
export const RECONCILIATION_KINDS = [
  "orders_unknown_sku",
  "orders_without_event",
  "events_without_order",
  "revenue_mismatch",
] as const;

/** A kind of reconciliation finding. */
export type ReconciliationKind = typeof RECONCILIATION_KINDS[number];

/** The figures of one order day, as served in `cross_source` of `GET /v1/quality`. */
export interface CrossSourceView extends CrossSourceDay {
  /** Distinct orders with a line on the day. */
  orders_checked: number;
  /** `Order Completed` events (with an `order_id`) on the day. */
  order_events_checked: number;
  /** Orders of the day that have both an event revenue and order lines. */
  revenue_compared: number;
  /** Of those, orders whose event revenue differs from their order revenue. */
  revenue_mismatches: number;
  /** Σ (event revenue − order revenue) over the mismatches, US cents. */
  revenue_difference_cents: number;
  /** Orders whose event revenue is in a currency outside the rate table (not compared). */
  revenue_uncomparable: number;
  checked_at: string;
  /** Versions of the inputs the figures were computed from (unchanged inputs are not recomputed). */
  fingerprint: string;
}

/** A SKU sold on the day (revenue lines) that no inventory snapshot contains. */
export interface UnknownSkuItem {
  kind: "orders_unknown_sku";
  sku: string;
  revenue_lines: number;
}

/** An order of the day that no `Order Completed` event names. */
export interface OrderWithoutEventItem {
  kind: "orders_without_event";
  order_id: string;
  lines: number;
  revenue_lines: number;
}

/** `Order Completed` events of the day naming an order that no orders file has. */
export interface EventWithoutOrderItem {
  kind: "events_without_order";
  order_id: string;
  events: number;
}

/** An order whose event revenue differs from the value of its revenue lines. */
export interface RevenueMismatchItem {
  kind: "revenue_mismatch";
  order_id: string;
  event_revenue_cents: number;
  order_revenue_cents: number;
  /** event − order, US cents. */
  difference_cents: number;
}

/** One browsable finding. */
export type ReconciliationItem =
  | UnknownSkuItem
  | OrderWithoutEventItem
  | EventWithoutOrderItem
  | RevenueMismatchItem;

/** Value of `goldEventRevenue(order, event)`: the revenue an `Order Completed` event carried. */
export interface EventRevenueEntry {
  /** Exact decimal text, in `currency`. */
  revenue: string;
  /** Upper-case currency code (`USD` when the event named none). */
  currency: string;
  /** UTC day of the event's corrected time. */
  day: string;
}
