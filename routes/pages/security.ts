/**
 * Response headers of dashboard pages and the cross-site checks of their
 * POST forms.
 *
 * CSP: scripts only from this origin or inline with the page's nonce (the one
 * boot script), styles only from this origin (no inline styles anywhere:
 * pages use classes, and Chart.js sets canvas sizes through the CSSOM, which
 * CSP allows), data only fetched from this origin, forms only posted here,
 * no framing, no plugins, no `<base>`.
 *
 * @module
 */

import type { Context } from "hono";

/**
 * A fresh CSP nonce: 128 random bits, base64.
 *
 * @example
 * ```ts
 * const nonce = newNonce();
 * ```
 */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The Content-Security-Policy of a page whose inline script carries `nonce`.
 *
 * @example
 * ```ts
 * contentSecurityPolicy("abc"); // "default-src 'none'; script-src 'self' 'nonce-abc'; …"
 * ```
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

/**
 * Headers of every HTML page: CSP with the nonce, no caching (pages show
 * private data), no sniffing, no framing, no referrer to other sites.
 */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": contentSecurityPolicy(nonce),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
  };
}

/** Whether the request arrived over HTTPS (directly, or as a proxy says). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
}

/**
 * Whether a state-changing request comes from this site. Browsers send
 * `Origin` on every POST (and `Sec-Fetch-Site`); a request naming another
 * origin is refused. A request with neither (curl, old clients) passes this
 * check and still needs the session cookie and the CSRF token.
 *
 * @example
 * ```ts
 * if (!sameOrigin(c)) throw new HttpError(403, "cross_site", "Cross-site form posts are refused");
 * ```
 */
export function sameOrigin(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return false;
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  const url = new URL(c.req.url);
  const host = c.req.header("host") ?? url.host;
  const scheme = isHttps(c) ? "https:" : url.protocol;
  return origin === `${scheme}//${host}` || origin === url.origin;
}

/**
 * A safe place to return to after sign-in: a path of this site (not `//host`,
 * not a scheme, no backslashes), else `/`.
 *
 * @example
 * ```ts
 * safeNext("//evil.example/"); // "/"
 * safeNext("/products?period=week"); // "/products?period=week"
 * ```
 */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || next.length > 512) return "/";
  if (!next.startsWith("/") || next.startsWith("//") || /[\\\s]/.test(next)) return "/";
  if (next.startsWith("/login") || next.startsWith("/logout")) return "/";
  return next;
}
