/**
 * The simulator's side of the SDK: each traffic event as the matching SDK
 * call (identity passed per call, as a server-side client must), and a
 * `fetch` wrapper, given to `createClient`, that counts requests and what
 * the server acknowledged.
 *
 * @module
 */

import type {
  CallOptions,
  Client,
  DeliveryError,
  OrderCompletedProperties,
  ProductAddedProperties,
  ProductProperties,
} from "../../sdk/mod.ts";
import type { SimEvent } from "./traffic.ts";

/** Counts of what went over the wire. */
export interface DeliveryStats {
  /** HTTP attempts, retries included. */
  requests: number;
  /** Attempts answered 2xx (one per delivered batch). */
  batches: number;
  /** Attempts that failed: network error, timeout or a non-2xx answer. */
  failedRequests: number;
  /** Events in 2xx answers: durably stored by the server (accepted, duplicate or quarantined). */
  acked: number;
  /** The server's own counts from those answers. */
  accepted: number;
  duplicates: number;
  quarantined: number;
  /** Events the SDK gave up on (rejected, out of retries, queue full, invalid). */
  dropped: number;
  /** The largest batch acknowledged. */
  largestBatch: number;
  /** The last HTTP status that was not 2xx (0 for none). */
  lastErrorStatus: number;
}

/** Zeroed counts. */
export function newDeliveryStats(): DeliveryStats {
  return {
    requests: 0,
    batches: 0,
    failedRequests: 0,
    acked: 0,
    accepted: 0,
    duplicates: 0,
    quarantined: 0,
    dropped: 0,
    largestBatch: 0,
    lastErrorStatus: 0,
  };
}

function batchLength(body: unknown): number {
  if (typeof body !== "string") return 0;
  try {
    const batch = (JSON.parse(body) as { batch?: unknown }).batch;
    return Array.isArray(batch) ? batch.length : 0;
  } catch {
    return 0;
  }
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` that records every attempt in `stats` and hands the SDK an
 * identical response (the body is read here, so a fresh one is built).
 *
 * @example
 * ```ts
 * const stats = newDeliveryStats();
 * const client = createClient({ writeKey, host, fetch: countingFetch(stats) });
 * ```
 */
export function countingFetch(stats: DeliveryStats, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    stats.requests++;
    let counted = false;
    try {
      const res = await base(input, init);
      const text = await res.text();
      counted = true;
      if (res.ok) {
        let answer: Record<string, unknown> = {};
        try {
          answer = JSON.parse(text);
        } catch {
          // Not the ingest answer's shape; the batch still counts as acknowledged.
        }
        const events = batchLength(init?.body);
        stats.batches++;
        stats.acked += events;
        stats.largestBatch = Math.max(stats.largestBatch, events);
        stats.accepted += count(answer.accepted);
        stats.duplicates += count(answer.duplicates);
        stats.quarantined += count(answer.quarantined);
      } else {
        stats.failedRequests++;
        stats.lastErrorStatus = res.status;
      }
      return new Response(NULL_BODY.has(res.status) ? null : text, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } catch (err) {
      // No complete answer: a network error or the SDK's timeout.
      if (!counted) stats.failedRequests++;
      throw err;
    }
  };
}

/**
 * Counts an SDK delivery report: dropped events (quarantined ones were
 * acknowledged and are counted from the answer).
 */
export function countDrop(stats: DeliveryStats, error: DeliveryError): void {
  if (error.reason === "quarantined") return;
  stats.dropped += Math.max(1, error.messageIds.length);
  if (error.status) stats.lastErrorStatus = error.status;
}

/**
 * Makes the SDK call for one traffic event, with the person's ids in the
 * call's options. `identify()` also makes the client remember the user, which
 * a client shared by many persons must not: it is forgotten right after.
 *
 * @example
 * ```ts
 * sendEvent(client, traffic.next());
 * ```
 */
export function sendEvent(client: Client, e: SimEvent): void {
  const opts: CallOptions = { anonymousId: e.anonymousId, context: e.context };
  if (e.userId !== undefined) opts.userId = e.userId;
  const props = e.properties ?? {};
  switch (e.type) {
    case "page":
      client.page(e.name, props, opts);
      return;
    case "identify":
      client.identify(e.userId!, e.traits ?? {}, opts);
      client.setUserId(null);
      return;
  }
  switch (e.event) {
    case "Product Viewed":
      return client.productViewed(props as ProductProperties, opts);
    case "Product Added":
      return client.productAdded(props as ProductAddedProperties, opts);
    case "Checkout Started":
      return client.checkoutStarted(props, opts);
    case "Order Completed":
      return client.orderCompleted(props as OrderCompletedProperties, opts);
    default:
      return client.track(e.event!, props, opts);
  }
}
