/**
 * `createClient`: queueing, batching by count and time, identity, and the browser's
 * page-hide flush and offline queue. Delivery itself is in transport.ts.
 *
 * @module
 */

import { browserEnv } from "./browser_env.ts";
import { buildEvent, isObject, validId } from "./event.ts";
import { uuid } from "./ids.ts";
import { deliver, type DeliverContext } from "./transport.ts";
import type {
  CallOptions,
  Client,
  ClientOptions,
  DeliveryError,
  DeliveryErrorReason,
  JsonObject,
  SdkEvent,
} from "./types.ts";
import { basicAuth, batchBody, envelopeBytes, type Pending, takeBatch, toPending } from "./wire.ts";

/** Version reported in `context.library`. */
export const SDK_VERSION = "1.0.0";

/** The server's JSON request limit is 512 KiB; stay clearly below it. */
const MAX_BATCH_BYTES = 500 * 1024;

const ANON_KEY = "pipeline_anonymous_id";
const USER_KEY = "pipeline_user_id";

/**
 * Creates a client that queues events and sends them in batches to `POST {host}/v1/batch`.
 *
 * @example
 * ```ts
 * const client = createClient({ writeKey: "wk_live_1", host: "https://pipeline.example.com" });
 * client.productViewed({ product_id: "p-1", sku: "SKU-1", price: "19.99", currency: "USD" });
 * await client.close();
 * ```
 */
export function createClient(options: ClientOptions): Client {
  const host = String(options.host ?? "").replace(/\/+$/, "");
  const writeKey = options.writeKey;
  const flushAt = Math.max(1, options.flushAt ?? 20);
  const interval = options.flushIntervalMs ?? 10_000;
  const maxQueue = Math.max(1, options.maxQueueSize ?? 1000);
  const maxEventBytes = options.maxEventBytes ?? 32 * 1024;
  const maxBatchBytes = Math.min(options.maxBatchBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
  const onError = options.onError ??
    ((e: DeliveryError) => console.warn(`pipeline-sdk: ${e.message}`));
  const env = options.browser === false ? undefined : browserEnv();
  const url = `${host}/v1/batch${options.historical ? "?historical=1" : ""}`;
  // Each client persists under its own key, so that tabs never overwrite each other's queue;
  // a new client claims every key of its host (dead pages' leftovers, rarely a live tab's:
  // then both send, and the server drops the duplicates by messageId).
  const queuePrefix = `pipeline_queue:${host}:`;
  const queueKey = queuePrefix + uuid();

  const report = (error: DeliveryError) => {
    try {
      onError(error);
    } catch {
      // A throwing callback must not break delivery of the other events.
    }
  };
  const drop = (reason: DeliveryErrorReason, message: string, ids: string[]) =>
    report({ reason, message, messageIds: ids });

  const ctx: DeliverContext = {
    url,
    auth: basicAuth(writeKey),
    // Bound: a browser's fetch called as a method of another object throws "Illegal invocation".
    fetch: options.fetch ?? fetch.bind(globalThis),
    maxRetries: options.maxRetries ?? 10,
    retryBaseMs: options.retryBaseMs ?? 500,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    timeoutMs: options.timeoutMs ?? 15_000,
    report,
    offline: () => env?.offline() ?? false,
  };

  const queue: Pending[] = [];
  const sending = new Set<Pending[]>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let draining: Promise<void> | undefined;
  let closed = false;
  // Events a flush still has to send: those queued when it was asked for. Later events
  // wait for a full batch or the next timer, so a steady stream is not sent in slivers.
  let flushRemaining = 0;
  // Set once the queue was written to localStorage; from then on each acknowledgement
  // rewrites it, so that a reload resends only what may be undelivered.
  let persisted = false;

  let anonymousId = options.anonymousId ?? env?.load(ANON_KEY) ?? uuid();
  let userId = options.userId ?? env?.load(USER_KEY);
  env?.store(ANON_KEY, anonymousId);

  function save(): void {
    if (!env) return;
    const all = [...queue];
    for (const b of sending) all.push(...b);
    env.store(queueKey, all.length ? `[${all.map((p) => p.json).join(",")}]` : undefined);
    persisted = true;
  }

  function pending(): number {
    let n = queue.length;
    for (const b of sending) n += b.length;
    return n;
  }

  function push(p: Pending): void {
    queue.push(p);
    const over = Math.min(pending() - maxQueue, queue.length);
    if (over > 0) {
      const ids = queue.splice(0, over).map((q) => q.event.messageId);
      drop("queue_full", `Queue is full (${maxQueue}); dropped the ${over} oldest event(s)`, ids);
    }
    if (queue.length >= flushAt) void kick(false);
    else schedule();
  }

  function schedule(): void {
    timer ??= setTimeout(flush, interval);
  }

  /** Sends batches of up to `flushAt` events: all of them when `all`, else only full ones. */
  function kick(all: boolean): Promise<void> {
    if (all) {
      flushRemaining = Math.max(flushRemaining, queue.length);
      clearTimeout(timer);
      timer = undefined;
    }
    return draining ??= drain();
  }

  async function drain(): Promise<void> {
    // Start on a later tick, so that events tracked in the same tick join the first batch
    // and `draining` is assigned before this function can clear it.
    await null;
    try {
      while (queue.length && (flushRemaining > 0 || queue.length >= flushAt) && !ctx.offline()) {
        const batch = takeBatch(queue, maxBatchBytes, envelopeBytes(), flushAt);
        flushRemaining = Math.max(0, flushRemaining - batch.length);
        sending.add(batch);
        const outcome = await deliver(batch, ctx);
        sending.delete(batch);
        if (outcome === "offline") queue.unshift(...batch);
        if (persisted) save();
      }
    } finally {
      draining = undefined;
      // Offline, the `online` event restarts delivery; otherwise the timer takes the rest.
      if (queue.length && !ctx.offline()) schedule();
    }
  }

  function flush(): Promise<void> {
    return kick(true);
  }

  /** Page hidden or unloading: send what is queued in requests that survive the page. */
  function onHide(): void {
    if (!env) return;
    clearTimeout(timer);
    timer = undefined;
    const items = queue.splice(0);
    const envelope = envelopeBytes(writeKey);
    while (items.length) {
      const chunk = takeBatch(items, 60 * 1024, envelope);
      const body = batchBody(chunk, new Date().toISOString(), writeKey);
      sending.add(chunk);
      env.sendAtExit(url, body, chunk.reduce((n, p) => n + p.bytes + 1, envelope), ctx.fetch)
        .then((status) => {
          sending.delete(chunk);
          if (status > 0 && status < 500 && status !== 429 && (status < 200 || status > 299)) {
            drop("rejected", `Server rejected a batch with status ${status}`, chunk.map(idOf));
          } else if (status < 200 || status > 299) {
            // Not delivered and the page is still alive: back to the normal path.
            queue.unshift(...chunk);
            schedule();
          }
          save();
        });
    }
    // Everything not yet acknowledged, in flight included, survives an unload this way.
    save();
  }

  function restore(): void {
    for (const saved of env?.claim(queuePrefix) ?? []) {
      try {
        for (const e of JSON.parse(saved) as SdkEvent[]) {
          if (isObject(e) && validId(e.messageId, 100)) push(toPending(e));
        }
      } catch {
        // A corrupt entry is dropped rather than blocking the queue.
      }
    }
    if (!queue.length) return;
    // Claimed entries are gone from storage: persist them under this client's key at once.
    save();
    // Left over from an earlier page: send now rather than after a full interval.
    void flush();
  }

  function enqueue(
    type: SdkEvent["type"],
    fields: Partial<SdkEvent>,
    opts: CallOptions | undefined,
  ): void {
    if (closed) {
      const ids = opts?.messageId ? [opts.messageId] : [];
      return drop("closed", "Client is closed; the event was dropped", ids);
    }
    const built = buildEvent({
      type,
      fields,
      opts,
      anonymousId,
      userId,
      context: { library: { name: "pipeline-sdk", version: SDK_VERSION }, ...env?.context() },
      maxEventBytes,
    });
    if ("pending" in built) push(built.pending);
    else drop(built.reason, built.message, [built.messageId]);
  }

  function track(event: string, properties?: JsonObject, opts?: CallOptions): void {
    if (typeof event !== "string" || !event.trim() || event.length > 200) {
      return drop("invalid", `Event name "${event}" must be 1 to 200 characters`, []);
    }
    enqueue("track", { event, properties: properties ?? {} }, opts);
  }

  function setUserId(id: string | null): void {
    userId = id ?? undefined;
    env?.store(USER_KEY, userId);
  }

  function setAnonymousId(id: string): void {
    anonymousId = id;
    env?.store(ANON_KEY, id);
  }

  /** Queues an already-built event as it is: its own messageId, timestamp and fields. */
  function send(event: JsonObject): void {
    const messageId = event.messageId;
    if (closed) {
      return drop("closed", "Client is closed; the event was dropped", [String(messageId ?? "")]);
    }
    const pending = toPending(event as unknown as SdkEvent);
    if (pending.bytes > maxEventBytes) {
      return drop("too_large", `Event is ${pending.bytes} bytes, over ${maxEventBytes}`, [
        String(messageId ?? ""),
      ]);
    }
    push(pending);
  }

  const unhook = env?.hook(onHide, () => void flush());
  restore();

  return {
    track,
    page(name, properties, opts) {
      if (properties !== undefined && !isObject(properties)) {
        return drop("invalid", "Properties, traits and context must be objects", []);
      }
      const props = { ...env?.pageProperties(), ...properties };
      enqueue(
        "page",
        name === undefined ? { properties: props } : { name, properties: props },
        opts,
      );
    },
    identify(id, traits, opts) {
      if (!validId(id, 256)) {
        return drop("invalid", `User id "${id}" must be 1 to 256 characters`, []);
      }
      setUserId(id);
      enqueue("identify", { userId: id, traits: traits ?? {} }, opts);
    },
    send,
    productViewed: (props, opts) => track("Product Viewed", props, opts),
    productAdded: (props, opts) => track("Product Added", props, opts),
    checkoutStarted: (props, opts) => track("Checkout Started", props, opts),
    orderCompleted: (props, opts) => track("Order Completed", props, opts),
    setUserId,
    setAnonymousId,
    reset() {
      setUserId(null);
      setAnonymousId(uuid());
    },
    user: () => ({ userId, anonymousId }),
    flush,
    async close() {
      closed = true;
      unhook?.();
      await flush();
      clearTimeout(timer);
      timer = undefined;
      if (persisted || queue.length) save();
    },
  };
}

function idOf(p: Pending): string {
  return p.event.messageId;
}
