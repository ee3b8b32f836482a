/**
 * Bad input on the event endpoints: every case asserts the exact status, the
 * reason codes, the quality counters, and that the good events of the same
 * request landed in bronze.
 */

import { assert, assertEquals } from "./assert.ts";
import {
  BASIC,
  bronzeEvents,
  goodEvent,
  gzip,
  postBytes,
  postJson,
  quality,
  quarantined,
  type TestApp,
  withApp,
  WRITE_KEY,
} from "./ingest_fixtures.ts";
import { testConfig } from "../config.ts";

async function expectError(res: Response, status: number, code: string): Promise<void> {
  const body = await res.json();
  assertEquals({ status: res.status, error: body.error }, { status, error: code });
  assert(typeof body.message === "string" && body.message.length > 0, "error has a message");
}

/** Asserts a 200 answer and returns it. */
async function answer(res: Response): Promise<{
  accepted: number;
  duplicates: number;
  quarantined: number;
  errors: { index: number; reason: string; field?: string; line?: number }[];
}> {
  assertEquals(res.status, 200, await res.clone().text());
  const body = await res.json();
  assertEquals(body.success, true);
  return body;
}

async function landed(t: TestApp, ids: string[]): Promise<void> {
  const got = new Set((await bronzeEvents(t.kv)).map((e) => e.messageId));
  for (const id of ids) assert(got.has(id), `event "${id}" is in bronze`);
}

async function nothingLanded(t: TestApp): Promise<void> {
  assertEquals((await bronzeEvents(t.kv)).length, 0);
  assertEquals((await quarantined(t.kv)).length, 0);
}

/** One bad record among good ones in a batch: its reason, field and counters. */
async function oneBadInBatch(
  bad: Record<string, unknown> | string,
  reason: string,
  field?: string,
): Promise<void> {
  await withApp(async (t) => {
    const a = goodEvent();
    const b = goodEvent();
    const body = typeof bad === "string"
      ? `{"batch":[${JSON.stringify(a)},${bad},${JSON.stringify(b)}]}`
      : JSON.stringify({ batch: [a, bad, b] });
    const r = await answer(await postJson(t.app, "/v1/batch", body));
    assertEquals(
      r,
      {
        success: true,
        accepted: 2,
        duplicates: 0,
        quarantined: 1,
        errors: [field === undefined ? { index: 1, reason } : { index: 1, reason, field }],
      } as typeof r,
    );
    await landed(t, [a.messageId as string, b.messageId as string]);
    const q = await quarantined(t.kv);
    assertEquals(q.map((x) => [x.source, x.reason, x.position]), [["events", reason, 1]]);
    assertEquals(await quality(t.kv, "events"), {
      received: 3,
      accepted: 2,
      quarantined: 1,
      [`reason:${reason}`]: 1,
    });
  });
}

Deno.test("POST /v1/batch answers 400 to malformed JSON and counts the refusal", async () => {
  await withApp(async (t) => {
    await expectError(await postJson(t.app, "/v1/batch", '{"batch": [}'), 400, "malformed_json");
    await nothingLanded(t);
    assertEquals(await quality(t.kv, "events"), { "rejected:400": 1 });
  });
});

Deno.test("POST /v1/batch answers 400 to a truncated gzip body", async () => {
  await withApp(async (t) => {
    const zipped = await gzip(JSON.stringify({ batch: [goodEvent(), goodEvent()] }));
    const res = await postBytes(t.app, "/v1/batch", zipped.slice(0, zipped.length - 12), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    await expectError(res, 400, "malformed_body");
    await nothingLanded(t);
  });
});

Deno.test("POST /v1/batch accepts a gzip body", async () => {
  await withApp(async (t) => {
    const a = goodEvent();
    const res = await postBytes(t.app, "/v1/batch", await gzip(JSON.stringify({ batch: [a] })), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    assertEquals((await answer(res)).accepted, 1);
    await landed(t, [a.messageId as string]);
  });
});

Deno.test("POST /v1/batch answers 413 when gzip inflates past the JSON limit", async () => {
  await withApp(async (t) => {
    const big = JSON.stringify({
      batch: [goodEvent({ properties: { pad: "x".repeat(600_000) } })],
    });
    const zipped = await gzip(big);
    assert(zipped.length < 10_000, "the body is small on the wire");
    const res = await postBytes(t.app, "/v1/batch", zipped, {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    await expectError(res, 413, "too_large");
    await nothingLanded(t);
    assertEquals(await quality(t.kv, "events"), { "rejected:413": 1 });
  });
});

Deno.test("POST /v1/batch answers 413 to a JSON request over 512 KiB", async () => {
  await withApp(async (t) => {
    const body = JSON.stringify({
      batch: [goodEvent({ properties: { pad: "y".repeat(530_000) } })],
    });
    await expectError(await postJson(t.app, "/v1/batch", body), 413, "too_large");
    await nothingLanded(t);
  });
});

Deno.test("POST /v1/batch answers 415 to a CSV content type", async () => {
  await withApp(async (t) => {
    const res = await postBytes(t.app, "/v1/batch", JSON.stringify({ batch: [goodEvent()] }), {
      "content-type": "text/csv",
    });
    await expectError(res, 415, "unsupported_media_type");
    assertEquals(await quality(t.kv, "events"), { "rejected:415": 1 });
  });
});

Deno.test("POST /v1/events answers 415 to a form body", async () => {
  await withApp(async (t) => {
    const res = await postBytes(t.app, "/v1/events", "a=1&b=2", {
      "content-type": "application/x-www-form-urlencoded",
    });
    await expectError(res, 415, "unsupported_media_type");
  });
});

Deno.test("POST /v1/events answers 415 to a content encoding other than gzip", async () => {
  await withApp(async (t) => {
    const res = await postBytes(t.app, "/v1/events", JSON.stringify(goodEvent()), {
      "content-type": "application/json",
      "content-encoding": "br",
    });
    await expectError(res, 415, "unsupported_encoding");
  });
});

Deno.test("POST /v1/batch quarantines an event over 32 KiB as too_large, the others land", async () => {
  await oneBadInBatch(goodEvent({ properties: { pad: "z".repeat(33_000) } }), "too_large");
});

Deno.test("POST /v1/batch quarantines a __proto__ key as invalid_value", async () => {
  await oneBadInBatch(
    `{"type":"track","event":"X","messageId":"p1","userId":"u","properties":{"__proto__":{"admin":true}}}`,
    "invalid_value",
    "__proto__",
  );
});

Deno.test("POST /v1/batch quarantines a nested constructor key as invalid_value", async () => {
  await oneBadInBatch(
    goodEvent({ context: { page: { a: [{ constructor: { prototype: 1 } }] } } }),
    "invalid_value",
    "constructor",
  );
});

Deno.test("POST /v1/batch quarantines nesting deeper than 64 levels as invalid_value", async () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100; i++) deep = { d: deep };
  await oneBadInBatch(goodEvent({ properties: deep }), "invalid_value", "properties");
});

Deno.test("POST /v1/batch quarantines a lone surrogate as invalid_value", async () => {
  await oneBadInBatch(
    `{"type":"track","event":"Bad \\ud800 name","messageId":"s1","userId":"u"}`,
    "invalid_value",
    "event",
  );
});

Deno.test("POST /v1/batch answers 400 to NaN and Infinity, which are not JSON", async () => {
  await withApp(async (t) => {
    for (const literal of ["NaN", "Infinity", "-Infinity"]) {
      const body = `{"batch":[{"type":"track","event":"X","messageId":"n","userId":"u",` +
        `"properties":{"price":${literal}}}]}`;
      await expectError(await postJson(t.app, "/v1/batch", body), 400, "malformed_json");
    }
    await nothingLanded(t);
    assertEquals(await quality(t.kv, "events"), { "rejected:400": 3 });
  });
});

Deno.test("POST /v1/batch quarantines a missing messageId as missing_required", async () => {
  await oneBadInBatch(goodEvent({ messageId: undefined }), "missing_required", "messageId");
});

Deno.test("POST /v1/batch quarantines an alias call as unsupported_type", async () => {
  await oneBadInBatch(goodEvent({ type: "alias" }), "unsupported_type", "type");
});

Deno.test("POST /v1/batch quarantines a number in the batch as malformed", async () => {
  await oneBadInBatch("42", "malformed");
});

Deno.test("POST /v1/batch quarantines an unreadable timestamp as invalid_timestamp", async () => {
  await oneBadInBatch(
    goodEvent({ timestamp: "25/11/2026 10:00" }),
    "invalid_timestamp",
    "timestamp",
  );
});

Deno.test("POST /v1/batch quarantines a time two days ahead as future_timestamp", async () => {
  const ts = new Date(Date.now() + 2 * 86_400_000).toISOString();
  await oneBadInBatch(goodEvent({ timestamp: ts }), "future_timestamp", "timestamp");
});

Deno.test("POST /v1/batch quarantines a 100-day-old event as too_old unless historical", async () => {
  const ts = new Date(Date.now() - 100 * 86_400_000).toISOString();
  await oneBadInBatch(goodEvent({ timestamp: ts }), "too_old", "timestamp");
  await withApp(async (t) => {
    const old = goodEvent({ timestamp: ts });
    const r = await answer(await postJson(t.app, "/v1/batch?historical=1", { batch: [old] }));
    assertEquals([r.accepted, r.quarantined], [1, 0]);
    const [e] = await bronzeEvents(t.kv);
    assertEquals([e.historical, e.ts], [true, Date.parse(ts)]);
  });
});

Deno.test("POST /v1/batch counts a messageId repeated in one request as a duplicate", async () => {
  await withApp(async (t) => {
    const a = goodEvent();
    const r = await answer(
      await postJson(t.app, "/v1/batch", { batch: [a, { ...a }, goodEvent()] }),
    );
    assertEquals([r.accepted, r.duplicates, r.quarantined], [2, 1, 0]);
    assertEquals((await bronzeEvents(t.kv)).length, 2);
    assertEquals(await quality(t.kv, "events"), { received: 3, accepted: 2, duplicates: 1 });
  });
});

Deno.test("POST /v1/batch answers 400 when the batch field is not an array", async () => {
  await withApp(async (t) => {
    await expectError(await postJson(t.app, "/v1/batch", { batch: "x" }), 400, "invalid_batch");
    await expectError(await postJson(t.app, "/v1/batch", [goodEvent()]), 400, "invalid_batch");
    await nothingLanded(t);
  });
});

Deno.test("POST /v1/track answers 400 to an array and quarantines a contradicting type", async () => {
  await withApp(async (t) => {
    await expectError(await postJson(t.app, "/v1/track", [goodEvent()]), 400, "invalid_body");
    const r = await answer(await postJson(t.app, "/v1/track", goodEvent({ type: "page" })));
    assertEquals(r.errors, [{ index: 0, reason: "invalid_value", field: "type" }]);
    const ok = await answer(await postJson(t.app, "/v1/page", goodEvent({ type: undefined })));
    assertEquals(ok.accepted, 1);
    assertEquals((await bronzeEvents(t.kv))[0].type, "page");
  });
});

Deno.test("Ingest answers 401 without a key, with a wrong key, and to a wrong body key", async () => {
  await withApp(async (t) => {
    const body = JSON.stringify({ batch: [goodEvent()] });
    const res1 = await t.app.request("/v1/batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await expectError(res1, 401, "unauthorized");
    await expectError(
      await postJson(t.app, "/v1/batch", body, { authorization: `Basic ${btoa("nope:")}` }),
      401,
      "unauthorized",
    );
    await expectError(
      await postJson(t.app, "/v1/batch", body, { authorization: "Bearer nope" }),
      401,
      "unauthorized",
    );
    const res4 = await t.app.request("/v1/batch", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ writeKey: "nope", batch: [goodEvent()] }),
    });
    await expectError(res4, 401, "unauthorized");
    await nothingLanded(t);
    assertEquals(await quality(t.kv, "events"), { "rejected:401": 4 });
  });
});

Deno.test("POST /v1/batch accepts the write key in the body (sendBeacon) and as Bearer", async () => {
  await withApp(async (t) => {
    const a = goodEvent();
    const beacon = await t.app.request("/v1/batch", {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: JSON.stringify({ writeKey: WRITE_KEY, batch: [a] }),
    });
    assertEquals((await answer(beacon)).accepted, 1);
    const b = goodEvent();
    const bearer = await postJson(t.app, "/v1/events", b, { authorization: `Bearer ${WRITE_KEY}` });
    assertEquals((await answer(bearer)).accepted, 1);
    await landed(t, [a.messageId as string, b.messageId as string]);
  });
});

Deno.test("Ingest answers 429 with Retry-After past the write key's burst", async () => {
  const limits = { ...testConfig().limits, ratePerSecond: 1, rateBurst: 2 };
  await withApp(async (t) => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await postJson(t.app, "/v1/track", goodEvent({ type: undefined }));
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        await expectError(res, 429, "rate_limited");
      } else await res.body?.cancel();
    }
    assertEquals(statuses, [200, 200, 429, 429]);
    assertEquals(retryAfter, "1");
    const q = await quality(t.kv, "events");
    assertEquals([q.accepted, q["rejected:429"]], [2, 2]);
  }, { limits });
});

Deno.test("POST /v1/events streams NDJSON: bad lines are quarantined with their line numbers", async () => {
  await withApp(async (t) => {
    const a = goodEvent();
    const b = goodEvent();
    const c = goodEvent();
    const lines = [
      JSON.stringify(a),
      "",
      '{"type":"track","event":"X","messageId":"nan","userId":"u","properties":{"v":NaN}}',
      JSON.stringify(b),
      '{"type": "track", ',
      JSON.stringify(goodEvent({ properties: { pad: "q".repeat(40_000) } })),
      JSON.stringify(c),
    ];
    const bytes = new TextEncoder().encode(lines.join("\r\n") + "\n");
    const res = await postBytes(t.app, "/v1/events", bytes, {
      "content-type": "application/x-ndjson",
    });
    const r = await answer(res);
    assertEquals([r.accepted, r.quarantined], [3, 3]);
    assertEquals(r.errors, [
      { index: 2, reason: "malformed", line: 3 },
      { index: 4, reason: "malformed", line: 5 },
      { index: 5, reason: "too_large", line: 6 },
    ]);
    await landed(t, [a, b, c].map((e) => e.messageId as string));
    const messages = (await quarantined(t.kv)).map((q) => q.message).sort();
    assert(messages.includes("Line 3 is not valid JSON"), messages.join("; "));
    assertEquals(await quality(t.kv, "events"), {
      received: 6,
      accepted: 3,
      quarantined: 3,
      "reason:malformed": 2,
      "reason:too_large": 1,
    });
  });
});

Deno.test("POST /v1/events quarantines an NDJSON line that is not UTF-8", async () => {
  await withApp(async (t) => {
    const a = goodEvent();
    const enc = new TextEncoder();
    const bad = new Uint8Array([
      ...enc.encode('{"type":"track","event":"caf'),
      0xe9,
      ...enc.encode('"}'),
    ]);
    const body = new Uint8Array([
      ...enc.encode(JSON.stringify(a) + "\n"),
      ...bad,
      ...enc.encode("\n"),
    ]);
    const r = await answer(
      await postBytes(t.app, "/v1/events", body, { "content-type": "application/x-ndjson" }),
    );
    assertEquals(r.errors, [{ index: 1, reason: "malformed", line: 2 }]);
    await landed(t, [a.messageId as string]);
  });
});

Deno.test("POST /v1/events answers 413 when an NDJSON stream passes its limit", async () => {
  const limits = { ...testConfig().limits, streamBytes: 4096 };
  await withApp(async (t) => {
    const lines = Array.from({ length: 40 }, () => JSON.stringify(goodEvent())).join("\n");
    const res = await postBytes(t.app, "/v1/events", lines, {
      "content-type": "application/x-ndjson",
    });
    await expectError(res, 413, "too_large");
  }, { limits });
});

Deno.test("POST /v1/events answers 400 to a JSON scalar", async () => {
  await withApp(async (t) => {
    await expectError(await postJson(t.app, "/v1/events", "12"), 400, "invalid_body");
  });
});

Deno.test("POST /v1/events keeps the raw form, request and position of a quarantined event", async () => {
  await withApp(async (t) => {
    const bad = goodEvent({ userId: undefined });
    const res = await postJson(t.app, "/v1/events?historical=1", [goodEvent(), bad]);
    const requestId = res.headers.get("x-request-id");
    assertEquals((await answer(res)).quarantined, 1);
    const [q] = await quarantined(t.kv);
    assertEquals(
      { raw: JSON.parse(q.raw), requestId: q.requestId, position: q.position, h: q.historical },
      { raw: JSON.parse(JSON.stringify(bad)), requestId, position: 1, h: true },
    );
    assertEquals([q.reason, q.field], ["missing_required", "userId"]);
  });
});

Deno.test("Ingest answers CORS preflights for configured origins only", async () => {
  await withApp(async (t) => {
    const pre = (origin: string) =>
      t.app.request("/v1/batch", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,authorization",
        },
      });
    const ok = await pre("https://shop.example");
    assertEquals(ok.headers.get("access-control-allow-origin"), "https://shop.example");
    assert((ok.headers.get("access-control-allow-headers") ?? "").includes("Authorization"));
    const no = await pre("https://evil.example");
    assertEquals(no.headers.get("access-control-allow-origin"), null);
    const res = await postJson(t.app, "/v1/track", goodEvent({ type: undefined }), {
      authorization: BASIC,
    });
    assertEquals(res.headers.get("x-content-type-options"), "nosniff");
    await res.body?.cancel();
  }, { corsOrigins: ["https://shop.example"] });
});
