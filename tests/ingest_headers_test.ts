/**
 * Event answers build their CORS and security headers from one probed list
 * (routes/ingest/headers.ts); the upload paths still run Hono's `cors` and
 * `secureHeaders` middlewares with the same options. Both must give the same
 * headers, for answers and refusals, with and without an `Origin`.
 */

import { assert, assertEquals } from "./assert.ts";
import { BASIC, goodEvent, postJson, withApp } from "./ingest_fixtures.ts";
import type { Hono } from "hono";

/** Headers other than the ones every answer sets for itself. */
function shared(res: Response): [string, string][] {
  return [...res.headers].filter(([k]) => k !== "x-request-id" && k !== "content-type");
}

/** The answer of Hono's own middlewares: an upload refused for its content type. */
async function middlewareHeaders(app: Hono, origin: string | null): Promise<[string, string][]> {
  const res = await app.request("/v1/uploads/orders?date=2026-11-20", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: BASIC,
      ...(origin === null ? {} : { origin }),
    },
    body: "{}",
  });
  assertEquals(res.status, 415);
  await res.body?.cancel();
  return shared(res);
}

for (const corsOrigins of [["https://shop.example"], ["*"]]) {
  Deno.test(`Event answers carry the headers of Hono's CORS and security middlewares (origins ${corsOrigins})`, async () => {
    await withApp(async ({ app }) => {
      for (const origin of [null, "https://shop.example", "https://evil.example"]) {
        const expected = await middlewareHeaders(app, origin);
        const extra: Record<string, string> = origin === null ? {} : { origin };
        const accepted = await postJson(app, "/v1/track", goodEvent(), extra);
        assertEquals(accepted.status, 200);
        await accepted.body?.cancel();
        assertEquals(shared(accepted), expected, `200, origin ${origin}`);
        assertEquals(accepted.headers.get("content-type"), "application/json");
        assert(accepted.headers.get("x-request-id")?.startsWith("req_"), "200 has a request id");

        const refused = await postJson(app, "/v1/batch", "{not json", extra);
        assertEquals(refused.status, 400);
        await refused.body?.cancel();
        assertEquals(shared(refused), expected, `400, origin ${origin}`);
        assert(refused.headers.get("x-request-id")?.startsWith("req_"), "400 has a request id");

        const noKey = await postJson(app, "/v1/events", goodEvent(), {
          ...extra,
          authorization: "",
        });
        assertEquals(noKey.status, 401);
        await noKey.body?.cancel();
        assertEquals(shared(noKey), expected, `401, origin ${origin}`);
        assertEquals(noKey.headers.get("x-request-id"), null);
      }
    }, { corsOrigins });
  });
}
