/**
 * Dashboard sessions: a signed cookie issued after sign-in with the admin
 * token, and the CSRF token derived from it.
 *
 * Cookie value: `base64url(JSON {sid, exp}) "." base64url(HMAC-SHA256)`, the
 * MAC keyed with `config.sessionSecret` through WebCrypto. Nothing secret is
 * inside (the payload is a random session id and an expiry); the MAC makes
 * it unforgeable, and `crypto.subtle.verify` compares MACs in constant time.
 * The CSRF token of a session is `HMAC("csrf:" + sid)`: it is known only to
 * pages rendered for that session and checked on every state-changing POST.
 *
 * @module
 */

/** What a session cookie carries. */
export interface Session {
  /** Random session id (base64url, 128 bits). */
  sid: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/** Name of the session cookie. */
export const SESSION_COOKIE = "dash_session";

/** How long a session lasts after sign-in. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key of a secret, imported once per process. */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

async function mac(secret: string, data: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(data)),
  );
}

async function macMatches(secret: string, data: string, signature: string): Promise<boolean> {
  const sig = fromBase64url(signature);
  if (!sig || sig.byteLength !== 32) return false;
  return await crypto.subtle.verify("HMAC", await hmacKey(secret), sig, encoder.encode(data));
}

/**
 * A new session expiring `ttlSeconds` from `now` (epoch ms).
 *
 * @example
 * ```ts
 * const session = newSession(Date.now());
 * ```
 */
export function newSession(now: number, ttlSeconds = SESSION_TTL_SECONDS): Session {
  return {
    sid: base64url(crypto.getRandomValues(new Uint8Array(16))),
    exp: Math.floor(now / 1000) + ttlSeconds,
  };
}

/**
 * The cookie value of a session.
 *
 * @example
 * ```ts
 * const value = await signSession(config.sessionSecret, newSession(Date.now()));
 * ```
 */
export async function signSession(secret: string, session: Session): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify({ sid: session.sid, exp: session.exp })));
  return `${payload}.${base64url(await mac(secret, `session:${payload}`))}`;
}

/**
 * The session of a cookie value, or `null` when it is malformed, forged,
 * signed with another secret, or expired at `now` (epoch ms).
 *
 * @example
 * ```ts
 * const session = await verifySession(config.sessionSecret, cookie, Date.now());
 * ```
 */
export async function verifySession(
  secret: string,
  value: string | undefined,
  now: number,
): Promise<Session | null> {
  if (!value || value.length > 512) return null;
  const dot = value.indexOf(".");
  if (dot <= 0) return null;
  const payload = value.slice(0, dot);
  if (!(await macMatches(secret, `session:${payload}`, value.slice(dot + 1)))) return null;
  const bytes = fromBase64url(payload);
  if (!bytes) return null;
  try {
    const data = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof data?.sid !== "string" || !Number.isSafeInteger(data?.exp)) return null;
    if (data.exp * 1000 <= now) return null;
    return { sid: data.sid, exp: data.exp };
  } catch {
    return null;
  }
}

/**
 * The CSRF token of a session (rendered into its forms).
 *
 * @example
 * ```ts
 * const token = await csrfToken(config.sessionSecret, session.sid);
 * ```
 */
export async function csrfToken(secret: string, sid: string): Promise<string> {
  return base64url(await mac(secret, `csrf:${sid}`));
}

/** Whether `token` is the CSRF token of session `sid` (constant-time). */
export async function csrfTokenValid(
  secret: string,
  sid: string,
  token: unknown,
): Promise<boolean> {
  return typeof token === "string" && await macMatches(secret, `csrf:${sid}`, token);
}

/** A random key for {@link secretsEqual}, different in every process. */
const compareKey = base64url(crypto.getRandomValues(new Uint8Array(32)));

/**
 * Compares a presented secret with the expected one in constant time: both
 * are MACed under a per-process random key, and the fixed-length MACs are
 * compared with `crypto.subtle.verify`, so neither the content nor the length
 * of the expected secret leaks through timing.
 *
 * @example
 * ```ts
 * if (await secretsEqual(form.token, config.adminToken)) signIn();
 * ```
 */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  if (expected.length === 0) return false;
  const signature = base64url(await mac(compareKey, `cmp:${expected}`));
  return await macMatches(compareKey, `cmp:${presented}`, signature);
}
