/**
 * Liveness.
 *
 * @module
 */

import { Hono } from "hono";

/** `GET /healthz`: open, answers while the process serves requests. */
export function healthRoutes(): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ ok: true }));
  return app;
}
