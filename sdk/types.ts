/**
 * Public types of the client SDK: options, events, e-commerce properties and errors.
 *
 * The SDK runs in browsers, Deno and Node 18+, so nothing here may name a Deno API.
 *
 * @module
 */

/** A JSON object as sent in `properties`, `traits` and `context`. */
export type JsonObject = { [key: string]: unknown };

/**
 * An amount of money as the Segment e-commerce spec sends it: a number (`19.99`) or, to keep
 * exact decimals end to end, a decimal string (`"19.99"`). The server parses either exactly.
 */
export type Money = number | string;

/** Why an event or a batch was not delivered (passed to {@link ClientOptions.onError}). */
export type DeliveryErrorReason =
  /** The server answered a 4xx other than 429; the batch was dropped, never retried. */
  | "rejected"
  /** Network errors, 429 or 5xx outlasted `maxRetries`; the batch was dropped. */
  | "retries_exhausted"
  /** The bounded queue was full; the oldest queued events were dropped. */
  | "queue_full"
  /** One event's JSON exceeds `maxEventBytes`; it was dropped at call time. */
  | "too_large"
  /** A call was malformed (e.g. an empty event name) or not serialisable as JSON. */
  | "invalid"
  /** The call came after `close()`. */
  | "closed"
  /** The server accepted the request but quarantined some of its events (HTTP 200). */
  | "quarantined";

/** One report of events that were not (or not cleanly) delivered. */
export interface DeliveryError {
  /** What went wrong. */
  reason: DeliveryErrorReason;
  /** A readable explanation. */
  message: string;
  /** The `messageId`s concerned. */
  messageIds: string[];
  /** The HTTP status of the last answer, when there was one. */
  status?: number;
}

/** Options of {@link createClient}. Only `writeKey` and `host` are required. */
export interface ClientOptions {
  /** The ingest write key (sent as `Authorization: Basic base64(key + ":")`). */
  writeKey: string;
  /** Base URL of the pipeline server, e.g. `https://pipeline.example.com`. */
  host: string;
  /** Send a batch as soon as this many events are queued. Default 20. */
  flushAt?: number;
  /** Send whatever is queued at most this long after the first queued event. Default 10,000. */
  flushIntervalMs?: number;
  /** Retries of one batch after the first attempt (network error, 429, 5xx). Default 10. */
  maxRetries?: number;
  /** Most events held in memory (and, in browsers, localStorage) while undelivered. Default 1,000. */
  maxQueueSize?: number;
  /** The fetch implementation; the global `fetch` by default. Injectable for tests. */
  fetch?: typeof fetch;
  /** Called for every event or batch that was dropped or quarantined. Default: `console.warn`. */
  onError?: (error: DeliveryError) => void;
  /** First backoff step; the n-th retry waits a random time in [0, min(max, base·2ⁿ)]. Default 500. */
  retryBaseMs?: number;
  /** Upper bound of one backoff wait (not of a server's `Retry-After`). Default 30,000. */
  retryMaxMs?: number;
  /** Abort a request that has not answered after this long, and retry it. Default 15,000. */
  timeoutMs?: number;
  /** Largest JSON body of one batch request. Default (and maximum) 500 KiB minus a margin. */
  maxBatchBytes?: number;
  /** Largest JSON of one event; bigger ones are dropped at call time. Default 32 KiB. */
  maxEventBytes?: number;
  /** A fixed anonymous id (otherwise persisted in localStorage in browsers, or random). */
  anonymousId?: string;
  /** A known user id to attach to every event. */
  userId?: string;
  /** Browsers: hook `visibilitychange`/`pagehide`/`online` and persist the queue. Default true. */
  browser?: boolean;
  /**
   * Send as a historical import (`?historical=1`): the server keeps each event's own
   * `timestamp` (no clock-skew correction, no 90-day age limit). For backfills only.
   */
  historical?: boolean;
}

/** Per-call overrides. */
export interface CallOptions {
  /** This event's user id (servers: pass it on every call). */
  userId?: string;
  /** This event's anonymous id. */
  anonymousId?: string;
  /** When it happened; the call time by default. */
  timestamp?: Date | string;
  /** Extra `context`, merged over the SDK's own. */
  context?: JsonObject;
  /** A caller-chosen idempotency key (1–100 chars); a random UUID by default. */
  messageId?: string;
}

/** One event as it goes over the wire (Segment tracking spec). */
export interface SdkEvent {
  /** `track`, `page` or `identify`. */
  type: "track" | "page" | "identify";
  /** The idempotency key, kept across retries. */
  messageId: string;
  /** ISO 8601 time of the call. */
  timestamp: string;
  /** The anonymous id. */
  anonymousId?: string;
  /** The user id, when known. */
  userId?: string;
  /** The event name (`track`). */
  event?: string;
  /** The page name (`page`). */
  name?: string;
  /** Event or page properties. */
  properties?: JsonObject;
  /** User traits (`identify`). */
  traits?: JsonObject;
  /** Library, page and user-agent context. */
  context: JsonObject;
}

/** Properties of one product (Segment e-commerce spec v2). */
export interface ProductFields {
  /** The product's database id. */
  product_id?: string;
  /** Stock keeping unit. */
  sku?: string;
  /** Product category. */
  category?: string;
  /** Product name. */
  name?: string;
  /** Brand. */
  brand?: string;
  /** Variant. */
  variant?: string;
  /** Unit price. */
  price?: Money;
  /** Quantity. */
  quantity?: number;
  /** Coupon code. */
  coupon?: string;
  /** ISO 4217 currency code. */
  currency?: string;
  /** Position in a product list. */
  position?: number;
  /** Product page URL. */
  url?: string;
  /** Product image URL. */
  image_url?: string;
  /** Anything else. */
  [key: string]: unknown;
}

/** A product reference: `product_id` or `sku` (or both) is required. */
export type ProductProperties =
  & ProductFields
  & ({ product_id: string } | { sku: string });

/** Properties of `Product Added`. */
export type ProductAddedProperties = ProductProperties & {
  /** The cart's id. */
  cart_id?: string;
};

/** Properties shared by `Checkout Started` and `Order Completed`. */
export interface OrderFields {
  /** The order's id. */
  order_id?: string;
  /** The checkout's id. */
  checkout_id?: string;
  /** Store or affiliation. */
  affiliation?: string;
  /** Total value. */
  value?: Money;
  /** Revenue (excluding shipping and tax). */
  revenue?: Money;
  /** Total with shipping and tax, after discounts. */
  total?: Money;
  /** Total after discounts, before shipping and tax. */
  subtotal?: Money;
  /** Shipping cost. */
  shipping?: Money;
  /** Tax. */
  tax?: Money;
  /** Discount. */
  discount?: Money;
  /** Coupon code. */
  coupon?: string;
  /** ISO 4217 currency code. */
  currency?: string;
  /** The products of the order. */
  products?: ProductFields[];
  /** Anything else. */
  [key: string]: unknown;
}

/** Properties of `Order Completed`: `order_id` is required. */
export type OrderCompletedProperties = OrderFields & { order_id: string };

/** The client returned by {@link createClient}. Calls never throw; problems go to `onError`. */
export interface Client {
  /** Records a `track` event. */
  track(event: string, properties?: JsonObject, opts?: CallOptions): void;
  /** Records a `page` event (browsers add path, url, title, referrer and search). */
  page(name?: string, properties?: JsonObject, opts?: CallOptions): void;
  /** Records an `identify` event and remembers `userId` for later calls. */
  identify(userId: string, traits?: JsonObject, opts?: CallOptions): void;
  /**
   * Queues an event built elsewhere exactly as it is (its own `messageId`, `timestamp` and
   * fields): for importers and relays. The server validates it like any other event.
   */
  send(event: JsonObject): void;
  /** `track("Product Viewed", props)`. */
  productViewed(props: ProductProperties, opts?: CallOptions): void;
  /** `track("Product Added", props)`. */
  productAdded(props: ProductAddedProperties, opts?: CallOptions): void;
  /** `track("Checkout Started", props)`. */
  checkoutStarted(props: OrderFields, opts?: CallOptions): void;
  /** `track("Order Completed", props)`. */
  orderCompleted(props: OrderCompletedProperties, opts?: CallOptions): void;
  /** Sets (or, with `null`, forgets) the user id attached to later events. */
  setUserId(userId: string | null): void;
  /** Sets the anonymous id attached to later events (persisted in browsers). */
  setAnonymousId(anonymousId: string): void;
  /** Forgets the user id and starts a new anonymous id (e.g. on logout). */
  reset(): void;
  /** The current identity. */
  user(): { userId?: string; anonymousId: string };
  /** Sends everything queued; resolves when each batch was delivered or dropped. */
  flush(): Promise<void>;
  /** Flushes, then stops timers and browser hooks; later calls are dropped. */
  close(): Promise<void>;
}
