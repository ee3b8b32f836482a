/**
 * A hand-written fast check of the common shape of a Segment-shaped event:
 * when it says `true`, `segmentEventSchema.safeParse(raw).success` is `true`
 * too (tests/ingest_event_shape_test.ts proves it on random and dirty values),
 * so the zod parse, which copies the object to report nothing, can be skipped.
 * When it says `false` the zod schema decides, and gives the messages. The
 * schema in `event_schemas.ts` stays the declaration.
 *
 * @module
 */

function isText(v: unknown): boolean {
  return v === undefined || v === null || typeof v === "string";
}

function isTime(v: unknown): boolean {
  return v === undefined || v === null || typeof v === "string" ||
    (typeof v === "number" && Number.isFinite(v));
}

/**
 * A JSON-like object that zod's `z.record(z.string(), z.unknown())` accepts:
 * a plain prototype, no own `constructor` (zod inspects a constructor's
 * prototype) and no symbol keys (zod refuses enumerable ones).
 */
function isJsonObject(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.hasOwn(v, "constructor")) return false;
  return Object.getOwnPropertySymbols(v).length === 0;
}

/**
 * `true` only when `segmentEventSchema` accepts `raw` (the converse need not
 * hold: `false` means "ask the schema").
 *
 * @example
 * ```ts
 * isSegmentEventShape({ type: "track", event: "Product Viewed", properties: { sku: "A" } }); // true
 * isSegmentEventShape({ type: 3 }); // false: the schema gives the message
 * ```
 */
export function isSegmentEventShape(raw: unknown): boolean {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return false;
  const r = raw as Record<string, unknown>;
  return isText(r.type) && isText(r.messageId) && isText(r.userId) &&
    isText(r.anonymousId) && isText(r.event) && isTime(r.timestamp) && isTime(r.sentAt) &&
    isJsonObject(r.properties) && isJsonObject(r.context) && isJsonObject(r.traits);
}
