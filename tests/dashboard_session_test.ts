import fc from "fast-check";
import {
  csrfToken,
  csrfTokenValid,
  newSession,
  secretsEqual,
  signSession,
  verifySession,
} from "../routes/pages/session.ts";
import { contentSecurityPolicy, safeNext } from "../routes/pages/security.ts";
import { assert, assertEquals } from "./assert.ts";

const SECRET = "session:test-admin-token";
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

Deno.test("signSession() and verifySession() round-trip an unexpired session", async () => {
  const session = newSession(NOW, 3600);
  const cookie = await signSession(SECRET, session);
  assertEquals(await verifySession(SECRET, cookie, NOW + 1000), session);
});

Deno.test("verifySession() refuses an expired session", async () => {
  const cookie = await signSession(SECRET, newSession(NOW, 60));
  assertEquals(await verifySession(SECRET, cookie, NOW + 60_000), null);
});

Deno.test("verifySession() refuses a cookie signed with another secret", async () => {
  const cookie = await signSession("another secret", newSession(NOW));
  assertEquals(await verifySession(SECRET, cookie, NOW), null);
});

Deno.test("verifySession() refuses a forged payload with a copied signature", async () => {
  const cookie = await signSession(SECRET, newSession(NOW, 60));
  const [, mac] = cookie.split(".");
  const forged = btoa(JSON.stringify({ sid: "x", exp: 9_999_999_999 })).replace(/=+$/, "");
  assertEquals(await verifySession(SECRET, `${forged}.${mac}`, NOW), null);
});

Deno.test("verifySession() refuses every one-character change of a valid cookie", async () => {
  const cookie = await signSession(SECRET, newSession(NOW));
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: cookie.length - 1 }),
      fc.constantFrom(...alphabet),
      async (at, ch) => {
        fc.pre(cookie[at] !== ch);
        const changed = cookie.slice(0, at) + ch + cookie.slice(at + 1);
        const session = await verifySession(SECRET, changed, NOW);
        // A change in base64url padding bits can decode to the same bytes; that is the same cookie.
        if (session !== null) {
          assertEquals(await signSession(SECRET, session), cookie);
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("verifySession() refuses malformed values", async () => {
  for (const value of [undefined, "", ".", "abc", "a.b", "x".repeat(600), "e30.AAAA"]) {
    assertEquals(await verifySession(SECRET, value, NOW), null, String(value));
  }
});

Deno.test("csrfToken() is bound to its session and secret", async () => {
  const a = newSession(NOW);
  const b = newSession(NOW);
  const token = await csrfToken(SECRET, a.sid);
  assert(await csrfTokenValid(SECRET, a.sid, token), "valid for its session");
  assert(!(await csrfTokenValid(SECRET, b.sid, token)), "invalid for another session");
  assert(!(await csrfTokenValid("other", a.sid, token)), "invalid under another secret");
  assert(!(await csrfTokenValid(SECRET, a.sid, undefined)), "missing token");
  assert(!(await csrfTokenValid(SECRET, a.sid, token.slice(1))), "truncated token");
});

Deno.test("secretsEqual() compares tokens exactly", async () => {
  assert(await secretsEqual("adm_abc", "adm_abc"), "equal");
  assert(!(await secretsEqual("adm_ab", "adm_abc")), "prefix");
  assert(!(await secretsEqual("adm_abcd", "adm_abc")), "longer");
  assert(!(await secretsEqual("", "adm_abc")), "empty");
  assert(!(await secretsEqual("", "")), "an empty expected token never matches");
});

Deno.test("safeNext() keeps same-site paths and drops everything else", () => {
  assertEquals(safeNext("/products?period=week"), "/products?period=week");
  for (
    const bad of [
      "//evil.example/",
      "https://evil.example/",
      "/\\evil",
      "javascript:x",
      42,
      "/login",
    ]
  ) {
    assertEquals(safeNext(bad), "/", String(bad));
  }
});

Deno.test("contentSecurityPolicy() allows scripts only from self and the nonce", () => {
  const csp = contentSecurityPolicy("abc123");
  assert(csp.includes("script-src 'self' 'nonce-abc123'"), csp);
  assert(!csp.includes("unsafe-inline"), csp);
  assert(!csp.includes("unsafe-eval"), csp);
  assert(csp.includes("default-src 'none'"), csp);
  assert(csp.includes("frame-ancestors 'none'"), csp);
});
