/**
 * `GET /v1/kpis/*`: the KPI read API (shared/spec/api.md), admin token
 * required. Handlers only validate parameters and call `pipeline/read`.
 *
 * @module
 */

import { Hono } from "hono";
import type { AppDeps } from "../deps.ts";
import { HttpError } from "../errors.ts";
import {
  readDaily,
  readEventKpis,
  readInventoryKpis,
  readOrderKpis,
  readRetention,
} from "../../pipeline/read/kpis.ts";
import { adminAuth } from "./auth.ts";

/**
 * The KPI routes.
 *
 * @example
 * ```ts
 * app.route("/", kpiRoutes(deps));
 * ```
 */
export function kpiRoutes(deps: AppDeps): Hono {
  const { kv, config } = deps;
  const app = new Hono();
  app.use("/v1/kpis/*", adminAuth(config));
  app.get("/v1/kpis/orders", async (c) => c.json(await readOrderKpis(kv, c.req.query("bucket")!)));
  app.get("/v1/kpis/events", async (c) => c.json(await readEventKpis(kv, c.req.query("bucket")!)));
  app.get(
    "/v1/kpis/daily",
    async (c) => c.json(await readDaily(kv, c.req.query("from")!, c.req.query("to")!)),
  );
  app.get("/v1/kpis/retention", async (c) => c.json(await readRetention(kv)));
  app.get("/v1/kpis/inventory", async (c) => {
    const view = await readInventoryKpis(kv, c.req.query("week") ?? "latest");
    if (!view) {
      throw new HttpError(404, "not_found", "No inventory snapshot has been processed yet");
    }
    return c.json(view);
  });
  return app;
}
