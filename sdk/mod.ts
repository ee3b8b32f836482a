/**
 * Client SDK of the pipeline, for browsers, Deno and Node 18+.
 *
 * @example
 * ```ts
 * import { createClient } from "./sdk/mod.ts";
 *
 * const client = createClient({ writeKey: "wk_live_1", host: "http://127.0.0.1:8000" });
 * client.identify("user-42", { plan: "pro" });
 * client.orderCompleted({ order_id: "o-1", revenue: "39.98", currency: "USD" });
 * await client.close();
 * ```
 *
 * @module
 */

export { createClient, SDK_VERSION } from "./client.ts";
export type {
  CallOptions,
  Client,
  ClientOptions,
  DeliveryError,
  DeliveryErrorReason,
  JsonObject,
  Money,
  OrderCompletedProperties,
  OrderFields,
  ProductAddedProperties,
  ProductFields,
  ProductProperties,
  SdkEvent,
} from "./types.ts";
