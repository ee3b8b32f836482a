import {
  type CleanEvent,
  eventTooLarge,
  funnelStepOf,
  MAX_EVENT_BYTES,
  normaliseEvent,
  type NormaliseEventContext,
  parseBatchEnvelope,
  segmentEventSchema,
} from "../pipeline/contracts/mod.ts";
import { assert, assertEquals } from "./assert.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RECEIVED = Date.UTC(2026, 10, 25, 12);
const iso = (ms: number) => new Date(ms).toISOString();

const CTX: NormaliseEventContext = { id: "ev-1", receivedAt: RECEIVED, historical: false };

function track(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "track",
    messageId: "m-1",
    userId: "u-1",
    event: "Product Viewed",
    timestamp: iso(RECEIVED - HOUR),
    ...extra,
  };
}

function without(obj: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  const copy = { ...obj };
  for (const k of keys) delete copy[k];
  return copy;
}

function accepted(raw: unknown, ctx: Partial<NormaliseEventContext> = {}): CleanEvent {
  const r = normaliseEvent(raw, { ...CTX, ...ctx });
  if (!r.ok) throw new Error(`Expected acceptance, got ${JSON.stringify(r.rejection)}`);
  return r.value;
}

type RejectCase = [
  name: string,
  raw: unknown,
  ctx: Partial<NormaliseEventContext>,
  reason: string,
  field: string | undefined,
];

const long = (n: number) => "x".repeat(n);

const rejectCases: RejectCase[] = [
  ["an array", [track()], {}, "malformed", undefined],
  ["a string", "track", {}, "malformed", undefined],
  ["null", null, {}, "malformed", undefined],
  ["a number", 42, {}, "malformed", undefined],
  [
    "a top-level __proto__ key",
    JSON.parse(`{"type":"track","__proto__":{"admin":true}}`),
    {},
    "invalid_value",
    "__proto__",
  ],
  [
    "a constructor key in properties",
    track({ properties: { constructor: { x: 1 } } }),
    {},
    "invalid_value",
    "constructor",
  ],
  [
    "a prototype key deep in context",
    track({ context: { a: [{ b: { prototype: 1 } }] } }),
    {},
    "invalid_value",
    "prototype",
  ],
  [
    "a forbidden key in the batch context",
    track(),
    { batchContext: JSON.parse(`{"__proto__":{}}`) },
    "invalid_value",
    "__proto__",
  ],
  [
    "a forbidden key before a missing type",
    JSON.parse(`{"constructor":1}`),
    {},
    "invalid_value",
    "constructor",
  ],
  ["no type", without(track(), "type"), {}, "missing_required", "type"],
  ["an empty type", track({ type: " " }), {}, "missing_required", "type"],
  ["a numeric type", track({ type: 5 }), {}, "invalid_type", "type"],
  ["type alias", track({ type: "alias" }), {}, "unsupported_type", "type"],
  ["type group", track({ type: "group" }), {}, "unsupported_type", "type"],
  ["type screen", track({ type: "Screen" }), {}, "unsupported_type", "type"],
  [
    "type page on the track endpoint",
    track({ type: "page" }),
    { impliedType: "track" },
    "invalid_value",
    "type",
  ],
  [
    "type alias on the track endpoint",
    track({ type: "alias" }),
    { impliedType: "track" },
    "invalid_value",
    "type",
  ],
  [
    "an unsupported type before a missing messageId",
    without(track({ type: "alias" }), "messageId"),
    {},
    "unsupported_type",
    "type",
  ],
  ["no messageId", without(track(), "messageId"), {}, "missing_required", "messageId"],
  ["a blank messageId", track({ messageId: "   " }), {}, "missing_required", "messageId"],
  ["a null-token messageId", track({ messageId: "N/A" }), {}, "missing_required", "messageId"],
  ["a numeric messageId", track({ messageId: 123 }), {}, "invalid_type", "messageId"],
  ["a messageId of 101 chars", track({ messageId: long(101) }), {}, "invalid_value", "messageId"],
  ["neither userId nor anonymousId", without(track(), "userId"), {}, "missing_required", "userId"],
  [
    "null-token userId and anonymousId",
    track({ userId: "null", anonymousId: "" }),
    {},
    "missing_required",
    "userId",
  ],
  ["a numeric userId", track({ userId: 42 }), {}, "invalid_type", "userId"],
  [
    "a numeric userId beside a valid anonymousId",
    track({ userId: 42, anonymousId: "a-1" }),
    {},
    "invalid_type",
    "userId",
  ],
  [
    "an object anonymousId",
    track({ userId: undefined, anonymousId: {} }),
    {},
    "invalid_type",
    "anonymousId",
  ],
  ["a userId of 257 chars", track({ userId: long(257) }), {}, "invalid_value", "userId"],
  [
    "an anonymousId of 257 chars",
    track({ anonymousId: long(257) }),
    {},
    "invalid_value",
    "anonymousId",
  ],
  ["a track without event", without(track(), "event"), {}, "missing_required", "event"],
  ["a track with a blank event", track({ event: " " }), {}, "missing_required", "event"],
  ["a numeric event name", track({ event: 7 }), {}, "invalid_type", "event"],
  ["an event name of 201 chars", track({ event: long(201) }), {}, "invalid_value", "event"],
  ["string properties", track({ properties: "x" }), {}, "invalid_type", "properties"],
  ["array properties", track({ properties: [] }), {}, "invalid_type", "properties"],
  ["numeric context", track({ context: 5 }), {}, "invalid_type", "context"],
  ["boolean traits", track({ traits: true }), {}, "invalid_type", "traits"],
  [
    "an unreadable timestamp",
    track({ timestamp: "yesterday" }),
    {},
    "invalid_timestamp",
    "timestamp",
  ],
  ["a boolean timestamp", track({ timestamp: true }), {}, "invalid_timestamp", "timestamp"],
  [
    "a timestamp without zone",
    track({ timestamp: "2026-11-25T10:00:00" }),
    {},
    "invalid_timestamp",
    "timestamp",
  ],
  [
    "an impossible date",
    track({ timestamp: "2026-02-30T10:00:00Z" }),
    {},
    "invalid_timestamp",
    "timestamp",
  ],
  ["an unreadable sentAt", track({ sentAt: "soon" }), {}, "invalid_timestamp", "sentAt"],
  ["an unreadable batch sentAt", track(), { batchSentAt: "soon" }, "invalid_timestamp", "sentAt"],
  [
    "a time 24 h and 1 ms ahead",
    track({ timestamp: iso(RECEIVED + DAY + 1) }),
    {},
    "future_timestamp",
    "timestamp",
  ],
  [
    "a time far ahead on a historical import",
    track({ timestamp: iso(RECEIVED + 2 * DAY) }),
    { historical: true },
    "future_timestamp",
    "timestamp",
  ],
  [
    "a time 90 days and 1 ms old",
    track({ timestamp: iso(RECEIVED - 90 * DAY - 1) }),
    {},
    "too_old",
    "timestamp",
  ],
  [
    "a recent device time made too old by clock-skew correction",
    track({ timestamp: iso(RECEIVED - HOUR), sentAt: iso(RECEIVED + 100 * DAY) }),
    {},
    "too_old",
    "timestamp",
  ],
  // Precedence: the first reason code wins, then the field order.
  [
    "missing messageId and a numeric userId",
    without(track({ userId: 42 }), "messageId"),
    {},
    "missing_required",
    "messageId",
  ],
  [
    "missing event and a too-long messageId",
    without(track({ messageId: long(101) }), "event"),
    {},
    "missing_required",
    "event",
  ],
  [
    "a long messageId and a numeric event",
    track({ messageId: long(101), event: 7 }),
    {},
    "invalid_type",
    "event",
  ],
  [
    "bad properties and a bad timestamp",
    track({ properties: 1, timestamp: "x" }),
    {},
    "invalid_type",
    "properties",
  ],
  [
    "a long userId and a bad timestamp",
    track({ userId: long(300), timestamp: "x" }),
    {},
    "invalid_value",
    "userId",
  ],
  [
    "bad timestamp and bad sentAt",
    track({ timestamp: "x", sentAt: "y" }),
    {},
    "invalid_timestamp",
    "timestamp",
  ],
  [
    "a numeric userId and numeric anonymousId",
    track({ userId: 1, anonymousId: 2 }),
    {},
    "invalid_type",
    "userId",
  ],
];

for (const [name, raw, ctx, reason, field] of rejectCases) {
  Deno.test(`normaliseEvent() quarantines ${name} as ${reason}`, () => {
    const r = normaliseEvent(raw, { ...CTX, ...ctx });
    assert(!r.ok, "expected a rejection");
    assertEquals({ reason: r.rejection.reason, field: r.rejection.field }, { reason, field });
    assert(
      r.rejection.message.length > 0 && !r.rejection.message.endsWith("."),
      r.rejection.message,
    );
  });
}

Deno.test("normaliseEvent() accepts a full track event with trimmed text", () => {
  const raw = track({
    userId: " u-1 ",
    anonymousId: " a-1 ",
    messageId: " m-1 ",
    event: " Product Viewed ",
    properties: { sku: "AB-1", price: 9.99 },
    traits: { plan: "pro" },
  });
  assertEquals(accepted(raw), {
    id: "ev-1",
    messageId: "m-1",
    type: "track",
    event: "Product Viewed",
    userId: "u-1",
    anonymousId: "a-1",
    person: "u-1",
    ts: RECEIVED - HOUR,
    receivedAt: RECEIVED,
    step: 1,
    properties: { sku: "AB-1", price: 9.99 },
    traits: { plan: "pro" },
  });
});

Deno.test("normaliseEvent() accepts the limits: 100-char messageId, 256-char ids, 200-char event", () => {
  const e = accepted(track({ messageId: long(100), userId: long(256), event: long(200) }));
  assertEquals([e.messageId.length, e.person.length, e.event?.length], [100, 256, 200]);
  assertEquals(accepted(track({ userId: "😀".repeat(256) })).person, "😀".repeat(256));
});

Deno.test("normaliseEvent() uses anonymousId as the person when userId is absent", () => {
  assertEquals(accepted(track({ userId: undefined, anonymousId: "a-9" })).person, "a-9");
  assertEquals(accepted(track({ userId: "NULL", anonymousId: "a-9" })).person, "a-9");
  const e = accepted(track({ userId: null, anonymousId: "a-9" }));
  assertEquals([e.userId, e.anonymousId], [undefined, "a-9"]);
});

Deno.test("normaliseEvent() reads the type case-insensitively and takes the endpoint's type", () => {
  assertEquals(accepted(track({ type: " TRACK " })).type, "track");
  assertEquals(accepted(without(track(), "type"), { impliedType: "track" }).type, "track");
  assertEquals(accepted(track({ type: "Track" }), { impliedType: "track" }).type, "track");
  const page = accepted({ messageId: "p", anonymousId: "a" }, { impliedType: "page" });
  assertEquals([page.type, page.step], ["page", 0]);
});

Deno.test("normaliseEvent() ignores the event field of page and identify calls", () => {
  const page = accepted({ type: "page", messageId: "p", userId: "u", event: 7, name: "Home" });
  assertEquals([page.event, page.step], [undefined, 0]);
  const identify = accepted({
    type: "identify",
    messageId: "i",
    userId: "u",
    traits: { email: "x@y.z" },
  });
  assertEquals([identify.type, identify.traits, identify.step], [
    "identify",
    { email: "x@y.z" },
    0,
  ]);
});

Deno.test("normaliseEvent() accepts times exactly at the 24 h and 90 day limits", () => {
  assertEquals(accepted(track({ timestamp: iso(RECEIVED + DAY) })).ts, RECEIVED + DAY);
  assertEquals(accepted(track({ timestamp: iso(RECEIVED - 90 * DAY) })).ts, RECEIVED - 90 * DAY);
});

Deno.test("normaliseEvent() corrects clock skew with the event's sentAt", () => {
  // The device clock runs two days ahead: sent 1 minute after it happened.
  const deviceNow = RECEIVED + 2 * DAY;
  const e = accepted(track({ timestamp: iso(deviceNow - 60_000), sentAt: iso(deviceNow) }));
  assertEquals(e.ts, RECEIVED - 60_000);
});

Deno.test("normaliseEvent() prefers the event's sentAt over the batch's", () => {
  const raw = track({ timestamp: iso(RECEIVED - 10_000), sentAt: iso(RECEIVED - 4_000) });
  assertEquals(accepted(raw, { batchSentAt: iso(RECEIVED - 9_000) }).ts, RECEIVED - 6_000);
});

Deno.test("normaliseEvent() falls back to the batch's sentAt", () => {
  const raw = track({ timestamp: iso(RECEIVED - 10_000) });
  assertEquals(accepted(raw, { batchSentAt: iso(RECEIVED - 9_000) }).ts, RECEIVED - 1_000);
  assertEquals(accepted(raw, { batchSentAt: "" }).ts, RECEIVED - 10_000);
});

Deno.test("normaliseEvent() uses the timestamp alone when there is no sentAt", () => {
  assertEquals(accepted(track({ timestamp: iso(RECEIVED - 5_000) })).ts, RECEIVED - 5_000);
});

Deno.test("normaliseEvent() uses receivedAt when there is no timestamp, even with a sentAt", () => {
  assertEquals(accepted(without(track({ sentAt: iso(RECEIVED - DAY) }), "timestamp")).ts, RECEIVED);
});

Deno.test("normaliseEvent() reads epoch timestamps in seconds and milliseconds", () => {
  const sec = Math.floor((RECEIVED - HOUR) / 1000);
  assertEquals(accepted(track({ timestamp: sec })).ts, sec * 1000);
  assertEquals(accepted(track({ timestamp: String(RECEIVED - 1234) })).ts, RECEIVED - 1234);
});

Deno.test("normaliseEvent() on a historical import skips clock skew and too_old", () => {
  const twoYears = RECEIVED - 730 * DAY;
  const e = accepted(track({ timestamp: iso(twoYears), sentAt: iso(RECEIVED) }), {
    historical: true,
  });
  assertEquals([e.ts, e.historical], [twoYears, true]);
  assertEquals(accepted(track()).historical, undefined);
});

const stepCases: Array<[string, number]> = [
  ["Product Viewed", 1],
  [" product added ", 2],
  ["CHECKOUT STARTED", 3],
  ["Order completed", 4],
  ["Product Viewed!", 0],
  ["Products Viewed", 0],
  ["Order Refunded", 0],
  ["Signed Up", 0],
];
for (const [name, step] of stepCases) {
  Deno.test(`normaliseEvent() gives "${name}" funnel step ${step}`, () => {
    assertEquals(accepted(track({ event: name })).step, step);
    assertEquals(funnelStepOf(name), step);
  });
}

type OrderCase = [
  name: string,
  properties: unknown,
  orderId?: string,
  revenue?: string,
  warnings?: string[],
];
const orderCases: OrderCase[] = [
  ["text order id and revenue", { order_id: " o-1 ", revenue: "25.50" }, "o-1", "25.5", []],
  ["numeric order id and revenue", { order_id: 123, revenue: 19.99 }, "123", "19.99", []],
  ["revenue with symbol and thousands", { order_id: "o", revenue: "$1,000.50" }, "o", "1000.5", []],
  ["total when revenue is absent", { order_id: "o", total: 30 }, "o", "30", []],
  [
    "total when revenue is a null token",
    { order_id: "o", revenue: "n/a", total: "30" },
    "o",
    "30",
    [],
  ],
  ["revenue over total", { order_id: "o", revenue: 10, total: 30 }, "o", "10", []],
  ["an ambiguous revenue", { order_id: "o", revenue: "12,50" }, "o", undefined, ["revenue"]],
  ["a negative revenue", { order_id: "o", revenue: -5 }, "o", undefined, ["revenue"]],
  ["a revenue with 5 decimals", { order_id: "o", revenue: "1.23456" }, "o", undefined, ["revenue"]],
  ["an object order id", { order_id: { id: 1 }, revenue: 1 }, undefined, "1", ["order_id"]],
  ["a boolean order id", { order_id: true }, undefined, undefined, ["order_id"]],
  ["an order id of 65 chars", { order_id: long(65) }, undefined, undefined, ["order_id"]],
  ["an empty order id and no revenue", { order_id: "" }, undefined, undefined, []],
  ["no properties", undefined, undefined, undefined, []],
];
for (const [name, properties, orderId, revenue, warnings] of orderCases) {
  Deno.test(`normaliseEvent() reads Order Completed with ${name}`, () => {
    const r = normaliseEvent(track({ event: "Order Completed", properties }), CTX);
    assert(r.ok, "expected acceptance");
    assertEquals(
      {
        orderId: r.value.orderId,
        revenue: r.value.revenue,
        step: r.value.step,
        warnings: r.warnings,
      },
      { orderId, revenue, step: 4, warnings },
    );
  });
}

Deno.test("normaliseEvent() reads order fields only from Order Completed", () => {
  const r = normaliseEvent(
    track({ event: "Checkout Started", properties: { order_id: "o", revenue: "x" } }),
    CTX,
  );
  assert(r.ok);
  assertEquals([r.value.orderId, r.value.revenue, r.warnings], [undefined, undefined, []]);
});

Deno.test("normaliseEvent() merges the batch context under the event's context", () => {
  const e = accepted(track({ context: { ip: "2.2.2.2" } }), {
    batchContext: { ip: "1.1.1.1", library: { name: "analytics-node" } },
  });
  assertEquals(e.context, { ip: "2.2.2.2", library: { name: "analytics-node" } });
  assertEquals(accepted(track(), { batchContext: { a: 1 } }).context, { a: 1 });
  assertEquals(accepted(track()).context, undefined);
});

Deno.test("normaliseEvent() accepts an event as a Segment SDK sends it", () => {
  const raw = {
    type: "track",
    event: "Order Completed",
    userId: "user-42",
    properties: {
      order_id: "50314b8e9bcf000000000000",
      total: 27.5,
      revenue: 25,
      currency: "USD",
      products: [{
        product_id: "507f1f77bcf86cd799439011",
        sku: "45790-32",
        price: 19,
        quantity: 1,
      }],
    },
    context: { library: { name: "@segment/analytics-node", version: "3.1.0" } },
    integrations: {},
    messageId: "node-next-1764065700000-0f8ac5b2-2f0c-4b34-b1c2-6b2a3f6a4f3e",
    timestamp: iso(RECEIVED - 2_000),
    _metadata: { jsRuntime: "deno" },
  };
  const e = accepted(raw, { batchSentAt: iso(RECEIVED - 1_000) });
  assertEquals(
    { ts: e.ts, step: e.step, orderId: e.orderId, revenue: e.revenue, person: e.person },
    {
      ts: RECEIVED - 1_000,
      step: 4,
      orderId: "50314b8e9bcf000000000000",
      revenue: "25",
      person: "user-42",
    },
  );
  assert(segmentEventSchema.safeParse(raw).success);
});

Deno.test("eventTooLarge() rejects only above the limit", () => {
  assertEquals(eventTooLarge(MAX_EVENT_BYTES, MAX_EVENT_BYTES), null);
  assertEquals(eventTooLarge(MAX_EVENT_BYTES + 1, MAX_EVENT_BYTES)?.reason, "too_large");
  assertEquals(MAX_EVENT_BYTES, 32_768);
});

Deno.test("parseBatchEnvelope() reads items, sentAt and context", () => {
  const r = parseBatchEnvelope({
    batch: [{ type: "page" }],
    sentAt: "2026-11-25T12:00:00Z",
    context: { a: 1 },
  });
  assertEquals(r, {
    ok: true,
    value: { items: [{ type: "page" }], sentAt: "2026-11-25T12:00:00Z", context: { a: 1 } },
  });
  assertEquals(parseBatchEnvelope({ batch: [], sentAt: null, context: null }), {
    ok: true,
    value: { items: [] },
  });
});

const badBatches: Array<[string, unknown]> = [
  ["no batch array", { events: [] }],
  ["a batch that is not an array", { batch: {} }],
  ["an array body", [{ type: "page" }]],
  ["a context that is not an object", { batch: [], context: "x" }],
  ["a forbidden key in the envelope", JSON.parse(`{"batch":[],"context":{"__proto__":{}}}`)],
];
for (const [name, body] of badBatches) {
  Deno.test(`parseBatchEnvelope() refuses ${name}`, () => {
    assertEquals(parseBatchEnvelope(body).ok, false);
  });
}

Deno.test("parseBatchEnvelope() leaves forbidden keys inside items to the per-event check", () => {
  const body = JSON.parse(`{"batch":[{"__proto__":{}}]}`);
  const r = parseBatchEnvelope(body);
  assert(r.ok);
  const e = normaliseEvent(r.value.items[0], CTX);
  assertEquals(e.ok ? null : e.rejection.reason, "invalid_value");
});
