/**
 * The dashboard's non-page routes: the live figure the overview polls, and
 * the two state-changing actions, replaying quarantined records and running
 * the pipeline. Actions are form posts behind the session, the same-origin
 * check and the CSRF token; each answers with a redirect back to its page
 * (post/redirect/get), whose notice shows the counts.
 *
 * @module
 */

import { Hono, type MiddlewareHandler } from "hono";
import type { Config } from "../../config.ts";
import { dayOf } from "../../pipeline/contracts/buckets.ts";
import { runAllJobs } from "../../pipeline/jobs/mod.ts";
import { replayQuarantine } from "../../pipeline/monitoring/mod.ts";
import { readEventKpis } from "../../pipeline/read/mod.ts";
import type { LiveValue } from "../../islands/LiveCount.tsx";
import type { Clock, PageEnv } from "./auth.ts";
import { LIVE_EVENTS_URL } from "./overview.tsx";

/** What {@link actionRoutes} needs. */
export interface ActionDeps {
  kv: Deno.Kv;
  config: Config;
  clock: Clock;
  /** Requires a session. */
  signedIn: MiddlewareHandler<PageEnv>;
  /** Requires the CSRF token and a same-site origin. */
  csrf: MiddlewareHandler<PageEnv>;
}

/** Most records one replay form may select. */
export const MAX_REPLAY_IDS = 500;

/** The query string to go back to after a replay (only the quality page's own parameters). */
function backQuery(value: unknown): URLSearchParams {
  const allowed = new Set(["period", "date", "from", "to", "q_source", "q_reason"]);
  const params = new URLSearchParams(typeof value === "string" ? value.slice(0, 500) : "");
  return new URLSearchParams([...params].filter(([k]) => allowed.has(k)));
}

/**
 * The live endpoint and the actions.
 *
 * @example
 * ```ts
 * app.route("/", actionRoutes({ kv, config, clock: Date.now, signedIn, csrf }));
 * ```
 */
export function actionRoutes(deps: ActionDeps): Hono<PageEnv> {
  const { kv, config, clock } = deps;
  const app = new Hono<PageEnv>();

  app.get(LIVE_EVENTS_URL, deps.signedIn, async (c) => {
    const now = clock();
    const kpis = await readEventKpis(kv, dayOf(now));
    const body: LiveValue = { value: kpis.events, as_of: new Date(now).toISOString() };
    return c.json(body, 200, { "cache-control": "no-store" });
  });

  app.post("/quality/replay", deps.signedIn, deps.csrf, async (c) => {
    const form = await c.req.parseBody({ all: true });
    const raw = form["ids"];
    const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
      .filter((v): v is string => typeof v === "string" && v.length > 0 && v.length <= 200)
      .slice(0, MAX_REPLAY_IDS);
    const back = backQuery(form["back"]);
    if (ids.length > 0) {
      const result = await replayQuarantine(kv, config, { ids }, { now: clock() });
      back.set("replayed", String(result.selected));
      back.set("accepted", String(result.accepted));
      back.set("duplicates", String(result.duplicates));
      back.set("still", String(result.still_rejected));
    }
    return c.redirect(`/quality?${back.toString()}#quarantine`, 303);
  });

  app.post("/pipeline/run", deps.signedIn, deps.csrf, async (c) => {
    const result = await runAllJobs(kv, config);
    return c.redirect(
      `/pipeline?runs=${result.runs.length}&drained=${result.drained ? 1 : 0}`,
      303,
    );
  });

  return app;
}
