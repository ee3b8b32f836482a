import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import { uuid } from "../sdk/ids.ts";
import { backoffMs, retryAfterMs } from "../sdk/retry.ts";
import {
  basicAuth,
  batchBody,
  byteLength,
  envelopeBytes,
  type Pending,
  takeBatch,
  toPending,
} from "../sdk/wire.ts";
import type { SdkEvent } from "../sdk/types.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function event(i: number, text: string): SdkEvent {
  return {
    type: "track",
    event: "Step",
    messageId: `m-${i}`,
    anonymousId: "a-1",
    timestamp: "2026-11-25T10:15:00.000Z",
    properties: { text },
    context: {},
  };
}

Deno.test("basicAuth() encodes the write key with a colon, as Segment does", () => {
  assertEquals(basicAuth("wk_1"), "Basic d2tfMTo=");
  assertEquals(atob(basicAuth("clé").slice(6)), "cl\u00c3\u00a9:");
});

Deno.test("batchBody() is the JSON Segment batch, with writeKey only when asked", () => {
  const items = [toPending(event(1, "a")), toPending(event(2, "é"))];
  const plain = JSON.parse(batchBody(items, "2026-11-25T10:16:00.000Z"));
  assertEquals(plain, {
    batch: [event(1, "a"), event(2, "é")],
    sentAt: "2026-11-25T10:16:00.000Z",
  });
  const keyed = JSON.parse(batchBody(items, "2026-11-25T10:16:00.000Z", 'wk"1'));
  assertEquals(keyed.writeKey, 'wk"1');
});

Deno.test("takeBatch() keeps every body within the limit and the events in order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ maxLength: 300, unit: "grapheme" }), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 20 }),
      fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
      (texts, maxCount, writeKey) => {
        const queue: Pending[] = texts.map((t, i) => toPending(event(i, t)));
        const all = [...queue];
        const envelope = envelopeBytes(writeKey);
        const maxBytes = envelope + Math.max(...queue.map((p) => p.bytes)) + 200;
        const batches: Pending[][] = [];
        while (queue.length) batches.push(takeBatch(queue, maxBytes, envelope, maxCount));
        assertEquals(batches.flat(), all);
        for (const b of batches) {
          assert(b.length >= 1 && b.length <= maxCount, `a batch of ${b.length}`);
          const body = batchBody(b, new Date().toISOString(), writeKey);
          assert(byteLength(body) <= maxBytes, `${byteLength(body)} > ${maxBytes}`);
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("retryAfterMs() reads delay-seconds and HTTP dates and ignores junk", () => {
  const now = Date.parse("2026-11-25T10:00:00Z");
  assertEquals(retryAfterMs("2", now), 2000);
  assertEquals(retryAfterMs(" 0 ", now), 0);
  assertEquals(retryAfterMs("1.5", now), 1500);
  assertEquals(retryAfterMs("Wed, 25 Nov 2026 10:00:03 GMT", now), 3000);
  assertEquals(retryAfterMs("Wed, 25 Nov 2026 09:00:00 GMT", now), 0);
  assertEquals(retryAfterMs("99999999", now), 600_000);
  assertEquals(retryAfterMs("soon", now), undefined);
  assertEquals(retryAfterMs(null, now), undefined);
});

Deno.test("backoffMs() draws full jitter within min(max, base * 2^attempt)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 40 }),
      fc.double({ min: 0, max: 0.999999, noNaN: true }),
      (attempt, r) => {
        const cap = Math.min(30_000, 500 * 2 ** attempt);
        const wait = backoffMs(attempt, 500, 30_000, () => r);
        assert(wait >= 0 && wait < cap, `${wait} outside [0, ${cap})`);
        assertEquals(wait, Math.floor(r * cap));
      },
    ),
  );
});

Deno.test("uuid() makes distinct v4 UUIDs, also without crypto.randomUUID", () => {
  const ids = new Set(Array.from({ length: 1000 }, uuid));
  assertEquals(ids.size, 1000);
  for (const id of ids) assert(UUID_V4.test(id), id);
  // Plain-http pages hide randomUUID; the getRandomValues fallback must still be v4.
  const c = crypto as { randomUUID?: unknown };
  Object.defineProperty(c, "randomUUID", { value: undefined, configurable: true });
  try {
    const fallback = new Set(Array.from({ length: 1000 }, uuid));
    assertEquals(fallback.size, 1000);
    for (const id of fallback) assert(UUID_V4.test(id), id);
  } finally {
    delete c.randomUUID;
  }
  assert(typeof crypto.randomUUID === "function", "randomUUID restored");
});
