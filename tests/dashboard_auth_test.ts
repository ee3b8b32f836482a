import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { csrfToken, SESSION_COOKIE, verifySession } from "../routes/pages/session.ts";
import { assert, assertEquals } from "./assert.ts";

const config = testConfig();
const ORIGIN = "http://localhost";

async function withApp(fn: (app: ReturnType<typeof createApp>) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(createApp({ kv, config }));
  } finally {
    kv.close();
  }
}

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

/** Signs in and returns the `name=value` cookie pair. */
async function signIn(app: ReturnType<typeof createApp>): Promise<string> {
  const res = await app.request(`${ORIGIN}/login`, {
    method: "POST",
    headers: { origin: ORIGIN },
    body: form({ token: config.adminToken, next: "/" }),
  });
  assertEquals(res.status, 303);
  const cookie = res.headers.get("set-cookie") ?? "";
  return cookie.split(";")[0];
}

async function csrfOf(cookiePair: string): Promise<string> {
  const value = decodeURIComponent(cookiePair.slice(SESSION_COOKIE.length + 1));
  const session = await verifySession(config.sessionSecret, value, Date.now());
  assert(session, "the cookie holds a valid session");
  return await csrfToken(config.sessionSecret, session.sid);
}

Deno.test("GET /login is a form without JavaScript, under a strict CSP", async () => {
  await withApp(async (app) => {
    const res = await app.request(`${ORIGIN}/login?next=/products`);
    assertEquals(res.status, 200);
    const html = await res.text();
    assert(html.includes('name="token"'), "token field");
    assert(html.includes('name="next" value="/products"'), "next is kept");
    assert(!html.includes("<script"), "no script on the sign-in page");
    const csp = res.headers.get("content-security-policy") ?? "";
    assert(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/.test(csp), csp);
    assertEquals(res.headers.get("cache-control"), "no-store");
    assertEquals(res.headers.get("x-frame-options"), "DENY");
    assert(!html.includes(config.adminToken), "the token is never rendered");
  });
});

Deno.test("POST /login with a wrong token is refused without a cookie", async () => {
  await withApp(async (app) => {
    const res = await app.request(`${ORIGIN}/login`, {
      method: "POST",
      headers: { origin: ORIGIN },
      body: form({ token: "not-the-token", next: "/" }),
    });
    assertEquals(res.status, 401);
    assertEquals(res.headers.get("set-cookie"), null);
    const html = await res.text();
    assert(html.includes("not accepted"), "says why");
    assert(!html.includes("not-the-token"), "the attempt is not echoed");
  });
});

Deno.test("POST /login with the admin token sets a signed HttpOnly SameSite=Strict cookie", async () => {
  await withApp(async (app) => {
    const res = await app.request(`${ORIGIN}/login`, {
      method: "POST",
      headers: { origin: ORIGIN },
      body: form({ token: config.adminToken, next: "/customers?period=month" }),
    });
    assertEquals(res.status, 303);
    assertEquals(res.headers.get("location"), "/customers?period=month");
    const cookie = res.headers.get("set-cookie") ?? "";
    assert(cookie.startsWith(`${SESSION_COOKIE}=`), cookie);
    for (const attr of ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200", "Expires="]) {
      assert(cookie.includes(attr), `${attr} in ${cookie}`);
    }
    assert(!cookie.includes("Secure"), "no Secure flag over plain http");
    assert(!cookie.includes(config.adminToken), "the token is not in the cookie");
  });
});

Deno.test("the session cookie is Secure when the request is https", async () => {
  await withApp(async (app) => {
    const res = await app.request("https://dash.example/login", {
      method: "POST",
      headers: { origin: "https://dash.example" },
      body: form({ token: config.adminToken }),
    });
    assertEquals(res.status, 303);
    assert((res.headers.get("set-cookie") ?? "").includes("Secure"), "Secure over https");
  });
});

Deno.test("POST /login from another origin is refused", async () => {
  await withApp(async (app) => {
    const res = await app.request(`${ORIGIN}/login`, {
      method: "POST",
      headers: { origin: "https://evil.example" },
      body: form({ token: config.adminToken }),
    });
    assertEquals(res.status, 403);
    assertEquals(res.headers.get("set-cookie"), null);
  });
});

Deno.test("POST /login never redirects off-site", async () => {
  await withApp(async (app) => {
    const res = await app.request(`${ORIGIN}/login`, {
      method: "POST",
      headers: { origin: ORIGIN },
      body: form({ token: config.adminToken, next: "//evil.example/x" }),
    });
    assertEquals(res.headers.get("location"), "/");
  });
});

Deno.test("GET /login with a valid session goes straight to the page", async () => {
  await withApp(async (app) => {
    const cookie = await signIn(app);
    const res = await app.request(`${ORIGIN}/login?next=/alerts`, { headers: { cookie } });
    assertEquals(res.status, 303);
    assertEquals(res.headers.get("location"), "/alerts");
  });
});

Deno.test("POST /logout needs the CSRF token and a same-site origin", async () => {
  await withApp(async (app) => {
    const cookie = await signIn(app);
    const csrf = await csrfOf(cookie);
    const missing = await app.request(`${ORIGIN}/logout`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN },
      body: form({}),
    });
    assertEquals(missing.status, 403);
    const wrong = await app.request(`${ORIGIN}/logout`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN },
      body: form({ _csrf: csrf.slice(0, -2) + "AA" }),
    });
    assertEquals(wrong.status, 403);
    const crossSite = await app.request(`${ORIGIN}/logout`, {
      method: "POST",
      headers: { cookie, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      body: form({ _csrf: csrf }),
    });
    assertEquals(crossSite.status, 403);
    const noSession = await app.request(`${ORIGIN}/logout`, {
      method: "POST",
      headers: { origin: ORIGIN },
      body: form({ _csrf: csrf }),
    });
    assertEquals(noSession.status, 401);
  });
});

Deno.test("POST /logout clears the cookie and revokes the session", async () => {
  await withApp(async (app) => {
    const cookie = await signIn(app);
    const res = await app.request(`${ORIGIN}/logout`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN },
      body: form({ _csrf: await csrfOf(cookie) }),
    });
    assertEquals(res.status, 303);
    assertEquals(res.headers.get("location"), "/login?signed_out=1");
    assert((res.headers.get("set-cookie") ?? "").includes("Max-Age=0"), "cookie cleared");
    // The old cookie no longer signs anyone in, even if a copy was kept.
    const again = await app.request(`${ORIGIN}/login`, { headers: { cookie } });
    assertEquals(again.status, 200, "the sign-in form is shown again");
  });
});

Deno.test("pages redirect to sign-in without a session; polls and actions get 401", async () => {
  await withApp(async (app) => {
    for (const path of ["/", "/products", "/customers", "/quality", "/pipeline", "/alerts"]) {
      const res = await app.request(`${ORIGIN}${path}?period=week`, {
        headers: { accept: "text/html" },
      });
      assertEquals(res.status, 303, path);
      assertEquals(
        res.headers.get("location"),
        `/login?next=${encodeURIComponent(`${path}?period=week`)}`,
      );
    }
    const live = await app.request(`${ORIGIN}/live/events-today`);
    assertEquals(live.status, 401);
    assertEquals((await live.json()).error, "unauthorized");
    for (const action of ["/quality/replay", "/pipeline/run"]) {
      const res = await app.request(`${ORIGIN}${action}`, {
        method: "POST",
        headers: { origin: ORIGIN },
        body: form({ ids: "x" }),
      });
      assertEquals(res.status, 401, action);
    }
  });
});

Deno.test("a signed-in page carries its CSP nonce on the boot script only", async () => {
  await withApp(async (app) => {
    const cookie = await signIn(app);
    const res = await app.request(`${ORIGIN}/`, { headers: { cookie, accept: "text/html" } });
    assertEquals(res.status, 200);
    const html = await res.text();
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];
    assert(nonce, "the CSP names a nonce");
    const inline = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assertEquals(inline.length, 2, "the props data block and the boot module");
    assert(inline.some((a) => a.includes(`nonce="${nonce}"`)), "the boot script has the nonce");
    assert(!html.includes(config.adminToken), "the admin token is never rendered");
    assert(!html.includes(config.sessionSecret), "the session secret is never rendered");
    // A second request gets a different nonce.
    const again = await app.request(`${ORIGIN}/`, { headers: { cookie, accept: "text/html" } });
    await again.body?.cancel();
    assert(!(again.headers.get("content-security-policy") ?? "").includes(nonce), "fresh nonce");
  });
});

Deno.test("actions refuse a missing CSRF token and a cross-site origin", async () => {
  await withApp(async (app) => {
    const cookie = await signIn(app);
    const csrf = await csrfOf(cookie);
    const noToken = await app.request(`${ORIGIN}/pipeline/run`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN },
      body: form({}),
    });
    assertEquals(noToken.status, 403);
    const crossSite = await app.request(`${ORIGIN}/quality/replay`, {
      method: "POST",
      headers: { cookie, origin: "https://evil.example" },
      body: form({ _csrf: csrf, ids: "x" }),
    });
    assertEquals(crossSite.status, 403);
    const ok = await app.request(`${ORIGIN}/quality/replay`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN },
      body: form({ _csrf: csrf, back: "q_reason=unknown_currency&evil=1" }),
    });
    assertEquals(ok.status, 303);
    assertEquals(ok.headers.get("location"), "/quality?q_reason=unknown_currency#quarantine");
  });
});
