/**
 * The HTTP application: every route module mounted on one Hono app with one
 * error handler.
 *
 * @module
 */

import { Hono } from "hono";
import { errorHandler } from "./errors.ts";
import type { AppDeps } from "./deps.ts";
import { healthRoutes } from "./health.ts";
import { sdkRoutes } from "./sdk.ts";
import { ingestRejectionHook, ingestRoutes } from "./ingest/mod.ts";
import { kpiRoutes } from "./api/kpis.ts";
import { exportRoutes } from "./api/export.ts";
import { monitoringRoutes } from "./api/monitoring.ts";
import { pageRoutes } from "./pages/mod.ts";

/**
 * Builds the app. Tests call `createApp(deps).request(...)`.
 *
 * @example
 * ```ts
 * const app = createApp({ kv, config: testConfig() });
 * const res = await app.request("/healthz");
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.onError(errorHandler(ingestRejectionHook(deps)));
  app.route("/", healthRoutes());
  app.route("/", sdkRoutes());
  app.route("/", ingestRoutes(deps));
  app.route("/", kpiRoutes(deps));
  app.route("/", exportRoutes(deps));
  app.route("/", monitoringRoutes(deps));
  app.route("/", pageRoutes(deps)); // dashboard last: API routes win
  app.notFound((c) => c.json({ error: "not_found", message: "No such endpoint" }, 404));
  void deps;
  return app;
}
