/**
 * The normalised records the generator hands to its answer key, one per
 * written record: what an ideal pipeline accepts, or the reason it
 * quarantines the record. The answer key derives every KPI from these alone.
 *
 * @module
 */

/** An event as accepted (after normalisation; `event` trimmed, case kept). */
export interface NormEvent {
  messageId: string;
  type: "track" | "page" | "identify";
  event?: string;
  userId?: string;
  anonymousId?: string;
  /** Event time, epoch ms (historical import: the timestamp as given). */
  ts: number;
  /** `properties.order_id` of an `Order Completed` event. */
  orderId?: string;
}

/** Order statuses after normalisation. */
export type Status = "placed" | "shipped" | "delivered" | "cancelled" | "refunded";

/** An order line as accepted. Decimals are d4 integers (ten-thousandths). */
export interface NormLine {
  orderId: string;
  lineNo: number;
  customerId: string;
  orderTs: number;
  sku: string;
  quantity: number;
  priceD4: number;
  currency: string;
  discountD4: number;
  status: Status;
  country?: string;
  channel?: string;
}

/** An inventory row as accepted. */
export interface NormInvRow {
  sku: string;
  productName: string;
  category: string;
  warehouse: string;
  onHand: number;
  reorderPoint: number;
  /** USD unit cost in d4; absent when the cell is. */
  costD4?: number;
}

/** What becomes of one written record: accepted as `ok`, or quarantined for `reason`. */
export type Outcome<T> = { ok: T; warnings?: string[] } | { ok: null; reason: string };
