/**
 * The fast event-shape check against the zod schema it stands in for: it may
 * only say "valid" when zod does (any value, dirty ones included), and on
 * JSON it agrees with zod exactly, apart from the own-`constructor` records it
 * leaves to zod on purpose.
 */

import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import { isSegmentEventShape } from "../pipeline/contracts/event_shape.ts";
import { segmentEventSchema } from "../pipeline/contracts/event_schemas.ts";
import { EVENT_FIELD_ORDER } from "../pipeline/contracts/events.ts";

const FIELDS = EVENT_FIELD_ORDER;

class Thing {
  sku = "A";
}

/** Values that are not JSON: what replays, tasks or a careless caller could pass. */
const dirty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    new Date(0),
    new Thing(),
    Object.create(null),
    { constructor: Thing },
    { constructor: 1 },
    { [Symbol("k")]: 1 },
    Object.defineProperty({}, Symbol("hidden"), { value: 1, enumerable: false }),
    new Map(),
    [],
    () => 1,
    10n,
    Symbol("s"),
    new String("x"),
  ),
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.anything(),
  fc.dictionary(fc.string(), fc.anything()),
);

/** An event-like object whose known fields hold any of those values. */
const dirtyEvent = fc.dictionary(fc.constantFrom(...FIELDS, "other"), dirty).map((fields) => {
  const proto = fields.other === "null-proto" ? null : Object.prototype;
  return Object.assign(Object.create(proto), fields);
});

/** JSON text's values: what ingest parses. */
const jsonEvent = fc.dictionary(
  fc.constantFrom(...FIELDS, "other"),
  fc.oneof(fc.jsonValue(), fc.string(), fc.constant(null)),
).map((fields) => JSON.parse(JSON.stringify(fields)) as unknown);

function zodAccepts(raw: unknown): boolean {
  return segmentEventSchema.safeParse(raw).success;
}

function hasOwnConstructorRecord(raw: unknown): boolean {
  if (typeof raw !== "object" || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return ["properties", "context", "traits"].some((f) =>
    typeof r[f] === "object" && r[f] !== null && Object.hasOwn(r[f] as object, "constructor")
  );
}

Deno.test("isSegmentEventShape() says valid only when the zod schema does, on any value", () => {
  fc.assert(
    fc.property(fc.oneof(dirtyEvent, fc.anything(), jsonEvent), (raw) => {
      if (isSegmentEventShape(raw)) {
        assert(zodAccepts(raw), "zod refused a value the fast check passed");
      }
    }),
    { numRuns: 3000 },
  );
});

Deno.test("isSegmentEventShape() agrees with the zod schema on parsed JSON", () => {
  fc.assert(
    fc.property(jsonEvent, (raw) => {
      if (hasOwnConstructorRecord(raw)) return;
      assertEquals(isSegmentEventShape(raw), zodAccepts(raw));
    }),
    { numRuns: 3000 },
  );
});

Deno.test("isSegmentEventShape() passes the common shapes and leaves wrong types to zod", () => {
  const common = {
    type: "track",
    event: "Product Viewed",
    messageId: "m-1",
    userId: "user-1",
    anonymousId: null,
    timestamp: "2026-11-20T10:00:00.000Z",
    sentAt: 1_795_600_000_000,
    properties: { sku: "SKU-1", price: 19.99, currency: "USD" },
    context: { library: { name: "analytics-node" } },
    traits: Object.create(null),
  };
  assert(isSegmentEventShape(common));
  assert(zodAccepts(common));
  for (
    const [field, value] of [
      ["type", 3],
      ["timestamp", true],
      ["sentAt", Number.POSITIVE_INFINITY],
      ["properties", []],
      ["context", "x"],
      ["traits", new Thing()],
    ] as const
  ) {
    const raw = { ...common, [field]: value };
    assertEquals(isSegmentEventShape(raw), false, field);
    assertEquals(zodAccepts(raw), false, field);
  }
});
