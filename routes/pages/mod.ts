/**
 * The dashboard: server-rendered pages with chart islands, behind a session
 * signed in with the admin token. docs/dashboard.md describes the mechanism,
 * the security model and the pages.
 *
 * | route | what |
 * | --- | --- |
 * | `GET /login`, `POST /login`, `POST /logout` | sign in and out |
 * | `GET /`, `/products`, `/customers`, `/quality`, `/pipeline`, `/alerts` | pages |
 * | `GET /live/events-today` | the overview's live figure (JSON) |
 * | `POST /quality/replay`, `POST /pipeline/run` | actions (CSRF-protected forms) |
 * | `GET /static/build/:file` | hashed island bundles and CSS (public, immutable) |
 *
 * @module
 */

import { Hono } from "hono";
import { h } from "preact";
import type { AppDeps } from "../deps.ts";
import { type Assets, prepareAssets, projectAssets } from "./assets.ts";
import {
  type Clock,
  endSession,
  type PageEnv,
  requireCsrf,
  requireSession,
  sessionOf,
  startSession,
} from "./auth.ts";
import { LoginPage } from "./login.tsx";
import { renderPage } from "./render.ts";
import { newNonce, pageHeaders, safeNext, sameOrigin } from "./security.ts";
import { secretsEqual } from "./session.ts";
import { Layout } from "./components/Layout.tsx";
import { type PageContext, PAGES } from "./pages.ts";
import { actionRoutes } from "./actions.ts";
import { authThrottleFor, clientAddress } from "../auth_throttle.ts";

/** Options of {@link pageRoutes} (tests inject a clock or a separate build). */
export interface PageRoutesOptions {
  assets?: Assets;
  clock?: Clock;
}

/**
 * The dashboard's routes. Mount last, so API routes win:
 * `app.route("/", pageRoutes(deps))`.
 *
 * @example
 * ```ts
 * const app = new Hono();
 * app.route("/", pageRoutes({ kv, config }));
 * ```
 */
export function pageRoutes(deps: AppDeps, options: PageRoutesOptions = {}): Hono {
  const { kv, config } = deps;
  const assets = options.assets ?? projectAssets();
  const clock = options.clock ?? Date.now;
  const app = new Hono<PageEnv>();

  app.get("/static/build/:file", (c) => assets.serveBuild(c));
  app.get("/static/dashboard.css", (c) => assets.serveFallbackCss(c));

  app.get("/login", async (c) => {
    if (await sessionOf(c, kv, config, clock())) {
      return c.redirect(safeNext(c.req.query("next")), 303);
    }
    const nonce = newNonce();
    const { html } = renderPage({
      title: "Sign in · Shop pipeline",
      nonce,
      manifest: await assets.manifest(),
      body: h(LoginPage, {
        next: safeNext(c.req.query("next")),
        failed: false,
        signedOut: c.req.query("signed_out") === "1",
      }),
    });
    return c.body(html, 200, pageHeaders(nonce));
  });

  const throttle = authThrottleFor(config);
  app.post("/login", async (c) => {
    if (!sameOrigin(c)) return c.text("Cross-site sign-in is refused", 403);
    const form = await c.req.parseBody();
    const next = safeNext(form["next"]);
    const token = typeof form["token"] === "string" ? form["token"] : "";
    const address = clientAddress(c);
    const wait = throttle.retryAfter(address);
    if (wait === 0 && await secretsEqual(token, config.adminToken)) {
      await startSession(c, config, clock());
      return c.redirect(next, 303);
    }
    if (wait === 0) throttle.failed(address);
    const nonce = newNonce();
    const { html } = renderPage({
      title: "Sign in · Shop pipeline",
      nonce,
      manifest: await assets.manifest(),
      body: h(LoginPage, { next, failed: true, signedOut: false, retryAfter: wait }),
    });
    const headers = pageHeaders(nonce);
    return wait > 0
      ? c.body(html, 429, { ...headers, "retry-after": String(wait) })
      : c.body(html, 401, headers);
  });

  app.post("/logout", requireSession(kv, config, clock), requireCsrf(config), async (c) => {
    await endSession(c, kv, c.get("session"), clock());
    return c.redirect("/login?signed_out=1", 303);
  });

  const signedIn = requireSession(kv, config, clock);
  for (const page of PAGES) {
    app.get(page.path, signedIn, async (c) => {
      const ctx: PageContext = {
        kv,
        config,
        now: clock(),
        url: new URL(c.req.url),
        csrf: c.get("csrf"),
      };
      const view = await page.load(ctx);
      const nonce = newNonce();
      const { html } = renderPage({
        title: `${view.title} · Shop pipeline`,
        nonce,
        manifest: await assets.manifest(),
        body: h(Layout, {
          current: page.path,
          title: view.title,
          csrf: ctx.csrf,
          tools: view.tools,
          children: view.body,
        }),
      });
      return c.body(html, 200, pageHeaders(nonce));
    });
  }

  app.route("/", actionRoutes({ kv, config, clock, signedIn, csrf: requireCsrf(config) }));
  return app as unknown as Hono;
}

/**
 * Builds the dashboard's islands now if the build is missing or stale (a few
 * milliseconds when it is current), instead of on the first page request.
 * `main.ts` may call it right after `createApp()`; tests need not.
 *
 * @example
 * ```ts
 * const app = createApp({ kv, config });
 * void prepareDashboard();
 * ```
 */
export function prepareDashboard(): Promise<void> {
  return prepareAssets();
}
