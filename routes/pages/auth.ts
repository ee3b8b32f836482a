/**
 * Sign-in state of dashboard requests: the session middleware, the CSRF
 * check of POST forms, and issuing and clearing the cookie.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Config } from "../../config.ts";
import { metaRevokedSession } from "../../kv/keys.ts";
import { isHttps, sameOrigin } from "./security.ts";
import {
  csrfToken,
  csrfTokenValid,
  newSession,
  type Session,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  signSession,
  verifySession,
} from "./session.ts";

/** Context variables of signed-in page requests. */
export interface PageEnv {
  Variables: {
    session: Session;
    /** The session's CSRF token, for forms. */
    csrf: string;
  };
}

/** Current time, epoch ms (injectable for tests). */
export type Clock = () => number;

/**
 * The valid session of a request, or `null`: the cookie must verify, be
 * unexpired, and not be signed out (one KV read).
 */
export async function sessionOf(
  c: Context,
  kv: Deno.Kv,
  config: Config,
  now: number,
): Promise<Session | null> {
  const session = await verifySession(config.sessionSecret, getCookie(c, SESSION_COOKIE), now);
  if (!session) return null;
  const revoked = await kv.get(metaRevokedSession(session.sid));
  return revoked.versionstamp === null ? session : null;
}

/**
 * Requires a valid session. A browser navigation without one (a `GET` that
 * accepts HTML) is redirected to `/login?next=<path>`; anything else (JSON
 * polls, form posts, scripts) gets `401`.
 */
export function requireSession(
  kv: Deno.Kv,
  config: Config,
  clock: Clock,
): MiddlewareHandler<PageEnv> {
  return async (c, next) => {
    const session = await sessionOf(c, kv, config, clock());
    if (!session) {
      const url = new URL(c.req.url);
      const wantsPage = c.req.method === "GET" &&
        (c.req.header("accept") ?? "").includes("text/html");
      if (wantsPage) {
        return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      return c.json({ error: "unauthorized", message: "Sign in to the dashboard first" }, 401, {
        "cache-control": "no-store",
      });
    }
    c.set("session", session);
    c.set("csrf", await csrfToken(config.sessionSecret, session.sid));
    await next();
  };
}

/**
 * Guards a state-changing form post (after {@link requireSession}): the
 * request must come from this site (Origin / Sec-Fetch-Site) and carry the
 * session's CSRF token in the `_csrf` field. The session cookie itself is
 * `SameSite=Strict`, so a cross-site post arrives without it anyway.
 */
export function requireCsrf(config: Config): MiddlewareHandler<PageEnv> {
  return async (c, next) => {
    if (!sameOrigin(c)) {
      return c.text("Cross-site form posts are refused", 403, { "cache-control": "no-store" });
    }
    const form = await c.req.parseBody();
    if (!(await csrfTokenValid(config.sessionSecret, c.get("session").sid, form["_csrf"]))) {
      return c.text("The form is out of date: reload the page and try again", 403, {
        "cache-control": "no-store",
      });
    }
    await next();
  };
}

/** Issues a new session cookie (`HttpOnly`, `SameSite=Strict`, `Path=/`, `Secure` over HTTPS). */
export async function startSession(c: Context, config: Config, now: number): Promise<void> {
  const session = newSession(now);
  setCookie(c, SESSION_COOKIE, await signSession(config.sessionSecret, session), {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: isHttps(c),
    maxAge: SESSION_TTL_SECONDS,
    expires: new Date(session.exp * 1000),
  });
}

/**
 * Signs a session out: records its id as revoked until it would have expired
 * (so a copied cookie stops working too) and clears the cookie.
 */
export async function endSession(
  c: Context,
  kv: Deno.Kv,
  session: Session,
  now: number,
): Promise<void> {
  const ttl = session.exp * 1000 - now;
  if (ttl > 0) await kv.set(metaRevokedSession(session.sid), null, { expireIn: ttl });
  deleteCookie(c, SESSION_COOKIE, {
    path: "/",
    secure: isHttps(c),
    httpOnly: true,
    sameSite: "Strict",
  });
}
