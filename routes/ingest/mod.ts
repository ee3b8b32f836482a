/**
 * The ingest edge (shared/spec/api.md, "Ingest"): event and upload endpoints
 * with write-key auth, per-key rate limits, CORS for browsers and secure
 * headers; plus the hook that counts refused ingest requests. See
 * docs/ingest.md.
 *
 * @module
 */

import { Hono } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { Context } from "hono";
import type { AppDeps } from "../deps.ts";
import type { HttpError, RejectionHook } from "../errors.ts";
import type { Source } from "../../kv/keys.ts";
import { committerFor } from "../../pipeline/ingest/committer.ts";
import { dayOf } from "../../pipeline/contracts/buckets.ts";
import { type EventEndpoint, handleEvents } from "./events.ts";
import { handleInventoryUpload, handleOrdersUpload } from "./uploads.ts";
import { RateLimiter } from "./rate_limit.ts";
import { IngestHeaders } from "./headers.ts";
import type { UploadLeaseOptions } from "../../pipeline/ingest/fenced_writer.ts";

/** Paths of the event endpoints, with what each is. */
export const EVENT_PATHS: Record<string, EventEndpoint> = {
  "/v1/batch": "batch",
  "/v1/track": "track",
  "/v1/page": "page",
  "/v1/identify": "identify",
  "/v1/events": "events",
};

/** Statuses of refused ingest requests that the quality counters record. */
export const COUNTED_REJECTIONS: ReadonlySet<number> = new Set([400, 401, 413, 415, 422, 429]);

/** The source an ingest path feeds, or `null` for other paths. */
export function ingestSourceOf(path: string): Source | null {
  if (Object.hasOwn(EVENT_PATHS, path)) return "events";
  if (path === "/v1/uploads/orders") return "orders";
  if (path === "/v1/uploads/inventory") return "inventory";
  return null;
}

/** Options of {@link ingestRoutes} beyond the app's dependencies (tests). */
export interface IngestRouteOptions {
  lease?: UploadLeaseOptions;
}

/**
 * The ingest routes. Mount with `app.route("/", ingestRoutes(deps))`.
 *
 * @example
 * ```ts
 * app.route("/", ingestRoutes({ kv, config }));
 * ```
 */
export function ingestRoutes(deps: AppDeps, options: IngestRouteOptions = {}): Hono {
  const app = new Hono();
  const limiter = new RateLimiter({
    perSecond: deps.config.limits.ratePerSecond,
    burst: deps.config.limits.rateBurst,
  });
  const origins = deps.config.corsOrigins;
  const allowOrigin = (origin: string) =>
    origins.includes("*") ? "*" : origins.includes(origin) ? origin : null;
  const corsMiddleware = cors({
    origin: allowOrigin,
    allowMethods: ["POST", "OPTIONS"],
    allowHeaders: ["Content-Type", "Authorization", "Content-Encoding"],
    exposeHeaders: ["Retry-After", "X-Request-Id"],
    maxAge: 600,
  });
  // The headers that matter for JSON answers; the page-only ones (opener policy,
  // DNS prefetch, download options, XSS filter, …) cost time on every event.
  const headers = secureHeaders({
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  // Event answers get the same headers from one list (see headers.ts).
  const eventHeaders = new IngestHeaders({ cors: corsMiddleware, secure: headers, allowOrigin });
  const eventMiddleware = eventHeaders.middleware();
  for (const [path, endpoint] of Object.entries(EVENT_PATHS)) {
    app.use(path, eventMiddleware);
    app.post(path, (c) => handleEvents(c, { deps, limiter, endpoint, headers: eventHeaders }));
  }
  for (const path of ["/v1/uploads/orders", "/v1/uploads/inventory"]) {
    app.use(path, corsMiddleware, headers);
  }
  app.post("/v1/uploads/orders", (c) => handleOrdersUpload(c, deps, limiter, options.lease));
  app.post("/v1/uploads/inventory", (c) => handleInventoryUpload(c, deps, limiter, options.lease));
  return app;
}

/**
 * The error-handler hook that counts a refused ingest request as
 * `rejected:<status>` for its source and the current UTC day. The count goes
 * through the group committer, so a flood of refusals costs shared commits.
 *
 * @example
 * ```ts
 * app.onError(errorHandler(ingestRejectionHook(deps)));
 * ```
 */
export function ingestRejectionHook(deps: AppDeps): RejectionHook {
  return async (c: Context, err: HttpError) => {
    if (!COUNTED_REJECTIONS.has(err.status)) return;
    const source = ingestSourceOf(new URL(c.req.url).pathname);
    if (source === null) return;
    try {
      await committerFor(deps.kv).submit([{
        kind: "counters",
        source,
        day: dayOf(Date.now()),
        metrics: { [`rejected:${err.status}`]: 1 },
      }]);
    } catch (e) {
      console.error("Could not count a refused request", e);
    }
  };
}
