/**
 * Record shapes shared by ingest, the pipeline, the generator and the tests.
 * The rules that produce them are in shared/spec/sources.md.
 *
 * @module
 */

/** Quarantine reason codes of shared/spec/sources.md, in the order they are tried. */
export const REASON_CODES = [
  "malformed",
  "too_large",
  "missing_required",
  "invalid_type",
  "invalid_value",
  "invalid_timestamp",
  "future_timestamp",
  "too_old",
  "unknown_currency",
  "unsupported_type",
] as const;

/** A quarantine reason code. */
export type ReasonCode = typeof REASON_CODES[number];

/** Why a record was quarantined. */
export interface Rejection {
  reason: ReasonCode;
  /** The field at fault, where there is one. */
  field?: string;
  /** A sentence-case explanation with the offending value quoted. */
  message: string;
}

/** The outcome of normalising one record. */
export type Normalised<T> =
  | { ok: true; value: T; warnings: string[] }
  | { ok: false; rejection: Rejection };

/** Segment call types the product accepts. */
export type EventType = "track" | "page" | "identify";

/** The e-commerce funnel steps S1–S4, in order (kpis.md). */
export const FUNNEL_STEPS = [
  "Product Viewed",
  "Product Added",
  "Checkout Started",
  "Order Completed",
] as const;

/** A validated, normalised event (bronze and silver). */
export interface CleanEvent {
  /** Ingest id: time-ordered, unique per accepted record. */
  id: string;
  messageId: string;
  type: EventType;
  /** Trimmed event name (track only). */
  event?: string;
  userId?: string;
  anonymousId?: string;
  /** `userId` if present, else `anonymousId`. */
  person: string;
  /** Corrected event time, epoch ms (clock skew corrected unless historical). */
  ts: number;
  /** When the server received it, epoch ms. */
  receivedAt: number;
  /** 1–4 for the funnel steps S1–S4, 0 for any other event. */
  step: 0 | 1 | 2 | 3 | 4;
  /** `properties.order_id` of an `Order Completed` event, as text. */
  orderId?: string;
  /** `properties.revenue` (or total) of an `Order Completed` event, exact decimal text. */
  revenue?: string;
  properties?: Record<string, unknown>;
  context?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  /** Imported with `?historical=1`. */
  historical?: boolean;
}

/** Order statuses after normalisation. */
export type OrderStatus = "placed" | "shipped" | "delivered" | "cancelled" | "refunded";

/** Statuses whose lines count as revenue. */
export const REVENUE_STATUSES: readonly OrderStatus[] = ["placed", "shipped", "delivered"];

/** Sales channels. */
export type Channel = "web" | "app" | "marketplace";

/** A validated, normalised order line. Decimals are canonical text (`"1299.5"`). */
export interface OrderLine {
  orderId: string;
  lineNo: number;
  customerId: string;
  /** Order time, epoch ms. */
  orderTs: number;
  sku: string;
  quantity: number;
  /** Unit price in `currency`, exact decimal text. */
  unitPrice: string;
  /** Upper-case code from the rate table. */
  currency: string;
  /** Discount for the whole line in `currency`, exact decimal text (`"0"` when absent). */
  discount: string;
  status: OrderStatus;
  country?: string;
  channel?: Channel;
}

/**
 * Where an order line version stands in the update order of sources.md: the
 * file's business date, then upload order, then row position. Compare with
 * `compareVersions`.
 */
export interface LineVersion {
  /** Business date of the file, `YYYY-MM-DD`. */
  date: string;
  /** Upload sequence number (global, increasing). */
  upload: number;
  /** 1-based data row in the file. */
  row: number;
}

/** A validated, normalised inventory row. */
export interface InventoryRow {
  sku: string;
  productName: string;
  category: string;
  warehouse: string;
  onHand: number;
  reorderPoint: number;
  /** Unit cost in USD, exact decimal text; absent when the cell is. */
  unitCost?: string;
}

/** A quarantined record as stored and served by `GET /v1/quarantine`. */
export interface QuarantineRecord {
  id: string;
  source: "events" | "orders" | "inventory";
  reason: ReasonCode;
  field?: string;
  message: string;
  /** The raw form: the JSON text, the CSV line, or the sheet row as JSON. */
  raw: string;
  /** Request id (events) or upload id (files). */
  requestId: string;
  /** Index in the request, or data row number in the file. */
  position: number;
  receivedAt: number;
  /** Event endpoints: was the request a historical import. */
  historical?: boolean;
  /**
   * Event endpoints: what the request said around the event, which a replay
   * needs to re-validate it as it was sent: the type implied by the path
   * (`/v1/track`), and a batch's `sentAt` and `context`.
   */
  request?: { impliedType?: EventType; sentAt?: unknown; context?: Record<string, unknown> };
  /** Orders: business date of the file; inventory: week Monday. */
  date?: string;
  /** Set once the record was replayed and accepted. */
  replayedAs?: string;
}
