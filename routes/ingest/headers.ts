/**
 * CORS and security headers of the event endpoints, at the cost of one
 * header list per answer.
 *
 * Hono's `cors` and `secureHeaders` middlewares set each header on the answer
 * one by one (and `cors` makes a placeholder response that Hono then copies),
 * which cost about a fifth of a single-event request. Here the headers those
 * two middlewares give a `POST` answer are read from the middlewares
 * themselves, once (a probe request through both), so they cannot drift from
 * them; an event answer is then built with all of its headers at once, and
 * any other answer (errors) gets them set afterwards, the same values with
 * the same precedence. Requests other than `POST` (preflights) go through the
 * two middlewares unchanged.
 *
 * @module
 */

import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";

/** How the `cors` middleware picks `Access-Control-Allow-Origin` from `Origin`. */
export type AllowOrigin = (origin: string) => string | null;

/** The middlewares whose headers {@link IngestHeaders} reproduces. */
export interface IngestHeaderSources {
  cors: MiddlewareHandler;
  secure: MiddlewareHandler;
  /** The `origin` function given to `cors`. */
  allowOrigin: AllowOrigin;
}

const ALLOW_ORIGIN = "access-control-allow-origin";

/** Answers the `POST` probe with no headers of its own. */
function probeApp(sources: IngestHeaderSources): Hono {
  const app = new Hono();
  app.use("*", sources.cors, sources.secure);
  app.post("/", (c) => c.body(null));
  return app;
}

/**
 * Headers of event answers (see the module doc).
 *
 * @example
 * ```ts
 * const h = new IngestHeaders({ cors: corsMiddleware, secure: secureHeaders(), allowOrigin });
 * app.use("/v1/track", h.middleware());
 * app.post("/v1/track", (c) => h.json(c, { success: true }, "req_1"));
 * ```
 */
export class IngestHeaders {
  readonly #sources: IngestHeaderSources;
  /** The probed headers, without `Access-Control-Allow-Origin` (it depends on `Origin`). */
  #fixed: [string, string][] | null = null;
  #probing: Promise<void> | null = null;
  readonly #complete = new WeakSet<Response>();

  constructor(sources: IngestHeaderSources) {
    this.#sources = sources;
  }

  async #probe(): Promise<void> {
    const res = await probeApp(this.#sources).request("/", { method: "POST" });
    this.#fixed = [...res.headers].filter(([k]) => k !== ALLOW_ORIGIN && k !== "content-length");
  }

  #allowOrigin(c: Context): string | null {
    return this.#sources.allowOrigin(c.req.header("origin") || "");
  }

  /** The middleware for the event paths. */
  middleware(): MiddlewareHandler {
    const { cors, secure } = this.#sources;
    return async (c, next) => {
      if (c.req.method !== "POST") {
        // A preflight's answer is the one `cors` returns.
        return await cors(c, async () => {
          await secure(c, next);
        });
      }
      if (this.#fixed === null) await (this.#probing ??= this.#probe());
      await next();
      const res = c.res;
      if (this.#complete.has(res)) return;
      const allow = this.#allowOrigin(c);
      if (allow) res.headers.set(ALLOW_ORIGIN, allow);
      for (const [k, v] of this.#fixed!) {
        if (k === "vary") res.headers.append(k, v);
        else res.headers.set(k, v);
      }
      // secureHeaders drops it too (its `removePoweredBy` default).
      res.headers.delete("x-powered-by");
    };
  }

  /**
   * A `200` JSON answer with every header (content type, `X-Request-Id`,
   * CORS, security) set in one go; the middleware leaves it as it is.
   */
  json(c: Context, body: unknown, requestId: string): Response {
    const headers: [string, string][] = [
      ["content-type", "application/json"],
      ["x-request-id", requestId],
    ];
    const allow = this.#allowOrigin(c);
    if (allow) headers.push([ALLOW_ORIGIN, allow]);
    for (const h of this.#fixed ?? []) headers.push(h);
    const res = new Response(JSON.stringify(body), { status: 200, headers });
    if (this.#fixed !== null) this.#complete.add(res);
    return res;
  }
}
