import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import {
  AUTH_FAILURE_BURST,
  AUTH_FAILURE_REFILL_SECONDS,
  AuthThrottle,
} from "../routes/auth_throttle.ts";
import { assert, assertEquals } from "./assert.ts";

const ORIGIN = "http://localhost";

async function withApp(
  fn: (app: ReturnType<typeof createApp>, config: ReturnType<typeof testConfig>) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  const config = testConfig();
  try {
    await fn(createApp({ kv, config }), config);
  } finally {
    kv.close();
  }
}

/** Time passes between the attempts, so part of the next attempt may already be earned. */
function assertRetryAfter(res: Response): void {
  const wait = Number(res.headers.get("retry-after"));
  assert(
    Number.isInteger(wait) && wait >= 1 && wait <= AUTH_FAILURE_REFILL_SECONDS,
    `Retry-After is 1…${AUTH_FAILURE_REFILL_SECONDS} s, got "${res.headers.get("retry-after")}"`,
  );
}

async function login(app: ReturnType<typeof createApp>, token: string): Promise<Response> {
  return await app.request(`${ORIGIN}/login`, {
    method: "POST",
    headers: { origin: ORIGIN },
    body: new URLSearchParams({ token, next: "/" }),
  });
}

async function readKpis(app: ReturnType<typeof createApp>, token?: string): Promise<Response> {
  return await app.request(`${ORIGIN}/v1/kpis/orders?bucket=all`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

Deno.test("AuthThrottle allows a burst of failures, then refuses until an attempt is earned", () => {
  const throttle = new AuthThrottle();
  for (let i = 0; i < AUTH_FAILURE_BURST; i++) {
    assertEquals(throttle.retryAfter("a", 1000), 0, `attempt ${i + 1} is allowed`);
    throttle.failed("a", 1000);
  }
  assertEquals(throttle.retryAfter("a", 1000), AUTH_FAILURE_REFILL_SECONDS);
  assertEquals(throttle.retryAfter("b", 1000), 0, "other addresses are not affected");
  const halfway = 1000 + (AUTH_FAILURE_REFILL_SECONDS * 1000) / 2;
  assertEquals(throttle.retryAfter("a", halfway), Math.ceil(AUTH_FAILURE_REFILL_SECONDS / 2));
  assertEquals(throttle.retryAfter("a", 1000 + AUTH_FAILURE_REFILL_SECONDS * 1000), 0);
  throttle.failed("a", 1000 + AUTH_FAILURE_REFILL_SECONDS * 1000);
  assert(
    throttle.retryAfter("a", 1000 + AUTH_FAILURE_REFILL_SECONDS * 1000) > 0,
    "the earned attempt is used up by one more failure",
  );
});

Deno.test("POST /login refuses even the right token with 429 after too many wrong ones", async () => {
  await withApp(async (app, config) => {
    for (let i = 0; i < AUTH_FAILURE_BURST; i++) {
      assertEquals((await login(app, `wrong-${i}`)).status, 401);
    }
    const refused = await login(app, config.adminToken);
    assertEquals(refused.status, 429);
    assertRetryAfter(refused);
    assertEquals(refused.headers.get("set-cookie"), null, "no session is started");
    const html = await refused.text();
    assert(html.includes("Too many wrong tokens from this address"), "the page says why");
    assert(!html.includes(config.adminToken), "the token is never rendered");
  });
});

Deno.test("Admin API answers 429 with Retry-After after too many wrong bearer tokens", async () => {
  await withApp(async (app, config) => {
    assertEquals((await readKpis(app, config.adminToken)).status, 200);
    for (let i = 0; i < 3 * AUTH_FAILURE_BURST; i++) {
      assertEquals((await readKpis(app)).status, 401, "a missing header is not a guess");
    }
    for (let i = 0; i < AUTH_FAILURE_BURST; i++) {
      assertEquals((await readKpis(app, `wrong-${i}`)).status, 401);
    }
    const refused = await readKpis(app, config.adminToken);
    assertEquals(refused.status, 429);
    assertRetryAfter(refused);
    const body = await refused.json();
    assertEquals(body.error, "too_many_attempts");
  });
});

Deno.test("Wrong tokens on the API and on the sign-in form share one allowance", async () => {
  await withApp(async (app, config) => {
    for (let i = 0; i < AUTH_FAILURE_BURST; i++) {
      assertEquals((await readKpis(app, `wrong-${i}`)).status, 401);
    }
    assertEquals((await login(app, config.adminToken)).status, 429);
  });
});
