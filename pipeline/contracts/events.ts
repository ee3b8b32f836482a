/**
 * The user-activity event contract of shared/spec/sources.md §1 (Segment's
 * tracking spec): structural schemas and `normaliseEvent`, which turns one
 * raw event into a `CleanEvent` or a quarantine rejection.
 *
 * @module
 */

import { isSegmentEventShape } from "./event_shape.ts";
import {
  type CleanEvent,
  type EventType,
  FUNNEL_STEPS,
  type Normalised,
  type Rejection,
} from "./types.ts";
import { findForbiddenKey } from "./forbidden_keys.ts";
import {
  charLength,
  FUTURE_TOLERANCE_MS,
  isAbsent,
  kindOf,
  parseDecimal,
  parseText,
  parseTimestamp,
  quote,
} from "./values.ts";
import { type FieldFailure, firstRejection, reject } from "./rejection.ts";
import { segmentEventSchema } from "./event_schemas.ts";

export {
  type BatchEnvelope,
  parseBatchEnvelope,
  segmentBatchSchema,
  type SegmentEvent,
  segmentEventSchema,
} from "./event_schemas.ts";

/** Accepted Segment call types. */
export const EVENT_TYPES: readonly EventType[] = ["track", "page", "identify"];

/** Size limit of one event's JSON, in bytes (32 KiB). */
export const MAX_EVENT_BYTES = 32 * 1024;

/** A live event more than this before its receipt is `too_old` (90 days). */
export const MAX_EVENT_AGE_MS = 90 * 86_400_000;

/** Field order used to pick "the first that applies" among same-code failures. */
export const EVENT_FIELD_ORDER: readonly string[] = [
  "type",
  "messageId",
  "userId",
  "anonymousId",
  "event",
  "timestamp",
  "sentAt",
  "properties",
  "context",
  "traits",
];

/** What `normaliseEvent` needs to know about the request an event came in. */
export interface NormaliseEventContext {
  /** Ingest id to give the event when accepted. */
  id: string;
  /** Server receive time, epoch ms. */
  receivedAt: number;
  /** The request was a historical import (`?historical=1`). */
  historical: boolean;
  /** Type implied by the endpoint (`/v1/track` → `track`). */
  impliedType?: EventType;
  /** The batch's `sentAt`, used when the event has none. */
  batchSentAt?: unknown;
  /** The batch's `context`, merged under the event's own. */
  batchContext?: Record<string, unknown>;
}

/**
 * The `too_large` rejection for an event of `jsonByteLength` bytes, or `null`
 * when it is within `limit`.
 *
 * @example
 * ```ts
 * eventTooLarge(40_000, MAX_EVENT_BYTES)?.reason; // "too_large"
 * ```
 */
export function eventTooLarge(jsonByteLength: number, limit: number): Rejection | null {
  if (jsonByteLength <= limit) return null;
  return {
    reason: "too_large",
    message: `Event of ${jsonByteLength} bytes exceeds the limit of ${limit} bytes`,
  };
}

/**
 * The funnel step (1–4) of a track event's name, matched trimmed and
 * case-insensitively; 0 for any other name.
 *
 * @example
 * ```ts
 * funnelStepOf(" order completed "); // 4
 * ```
 */
export function funnelStepOf(eventName: string): 0 | 1 | 2 | 3 | 4 {
  const name = eventName.trim().toLowerCase();
  const i = FUNNEL_STEPS.findIndex((s) => s.toLowerCase() === name);
  return (i + 1) as 0 | 1 | 2 | 3 | 4;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Resolves the event type, or the rejection the type rules give. */
function resolveType(raw: Record<string, unknown>, implied?: EventType): EventType | Rejection {
  const given = raw.type;
  if (isAbsent(given)) {
    if (implied) return implied;
    return { reason: "missing_required", field: "type", message: `Field "type" is missing` };
  }
  if (typeof given !== "string") {
    return {
      reason: "invalid_type",
      field: "type",
      message: `Field "type" must be text, got ${kindOf(given)} ${quote(given)}`,
    };
  }
  const type = given.trim().toLowerCase();
  if (implied && type !== implied) {
    return {
      reason: "invalid_value",
      field: "type",
      message: `Field "type" is ${quote(given)} but the endpoint takes ${quote(implied)}`,
    };
  }
  if (!(EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      reason: "unsupported_type",
      field: "type",
      message: `Type ${quote(given)} is not one of "track", "page", "identify"`,
    };
  }
  return type as EventType;
}

const TEXT_LIMITS: ReadonlyArray<[field: string, max: number]> = [
  ["messageId", 100],
  ["userId", 256],
  ["anonymousId", 256],
  ["event", 200],
];

/** Text of an `Order Completed` order id: text or number, 1–64 chars. */
function orderIdOf(raw: unknown): { value?: string; warn: boolean } {
  if (typeof raw === "boolean") return { warn: true };
  const r = parseText(raw, { field: "order_id", min: 1, max: 64 });
  return r.ok ? { value: r.value, warn: false } : { warn: true };
}

/** Exact revenue (or total) of an `Order Completed` event: a decimal ≥ 0. */
function revenueOf(props: Record<string, unknown>): { value?: string; warn: boolean } {
  const raw = isAbsent(props.revenue) ? props.total : props.revenue;
  if (isAbsent(raw)) return { warn: false };
  const r = parseDecimal(raw, "revenue");
  if (!r.ok || r.value === undefined || r.value.startsWith("-")) return { warn: true };
  return { value: r.value, warn: false };
}

/**
 * Normalises one raw event under the rules of sources.md §1. Checks, in
 * order: not an object (`malformed`); a forbidden key (`invalid_value`, field
 * = the key); the type (`missing_required`, `invalid_type`, `invalid_value`
 * when it contradicts the endpoint, `unsupported_type`); then every other
 * field, the first reason code winning (`missing_required`, `invalid_type`,
 * `invalid_value`, `invalid_timestamp`), fields in `EVENT_FIELD_ORDER`; then
 * `future_timestamp` and `too_old` on the corrected time. See docs/contracts.md.
 *
 * @example
 * ```ts
 * const r = normaliseEvent(
 *   { type: "track", event: "Product Viewed", messageId: "m1", anonymousId: "a1" },
 *   { id: "e1", receivedAt: Date.now(), historical: false },
 * );
 * r.ok && r.value.step; // 1
 * ```
 */
export function normaliseEvent(raw: unknown, ctx: NormaliseEventContext): Normalised<CleanEvent> {
  if (!isPlainObject(raw)) {
    return reject({ reason: "malformed", message: `Event is not a JSON object` });
  }
  const forbidden = findForbiddenKey(raw) ?? findForbiddenKey(ctx.batchContext ?? null);
  if (forbidden) {
    return reject({
      reason: "invalid_value",
      field: forbidden,
      message: `Event has the forbidden key ${quote(forbidden)}`,
    });
  }
  const type = resolveType(raw, ctx.impliedType);
  if (typeof type !== "string") return reject(type);

  const failures: FieldFailure[] = [];
  const missing = (field: string, message = `Field "${field}" is missing`) =>
    failures.push({ field, reason: "missing_required", message });
  if (isAbsent(raw.messageId)) missing("messageId");
  if (isAbsent(raw.userId) && isAbsent(raw.anonymousId)) {
    missing("userId", `Fields "userId" and "anonymousId" are both missing`);
  }
  if (type === "track" && isAbsent(raw.event)) missing("event");

  // The common, valid shape skips zod's copying parse; zod still decides and words the rest.
  const structure = isSegmentEventShape(raw) ? null : segmentEventSchema.safeParse(raw);
  if (structure && !structure.success) {
    for (const issue of structure.error.issues) {
      const field = String(issue.path[0] ?? "");
      // Timestamps have their own code; `event` only matters for track.
      if (field === "timestamp" || field === "sentAt" || (field === "event" && type !== "track")) {
        continue;
      }
      const value = raw[field];
      const expected = ["properties", "context", "traits"].includes(field)
        ? "a JSON object"
        : "text";
      failures.push({
        field,
        reason: "invalid_type",
        message: `Field "${field}" must be ${expected}, got ${kindOf(value)} ${quote(value)}`,
      });
    }
  }

  const text: Record<string, string | undefined> = {};
  for (const [field, max] of TEXT_LIMITS) {
    if (field === "event" && type !== "track") continue;
    const value = raw[field];
    if (typeof value !== "string" || isAbsent(value)) continue;
    text[field] = value.trim();
    const len = charLength(text[field]!);
    if (len > max) {
      failures.push({
        field,
        reason: "invalid_value",
        message: `Field "${field}" must be 1–${max} characters, got ${len}`,
      });
    }
  }

  const timestamp = parseTimestamp(raw.timestamp, "timestamp");
  if (!timestamp.ok) {
    failures.push({ field: "timestamp", reason: timestamp.reason, message: timestamp.message });
  }
  const ownSentAt = !isAbsent(raw.sentAt);
  const sentAt = parseTimestamp(ownSentAt ? raw.sentAt : ctx.batchSentAt, "sentAt");
  if (!sentAt.ok) {
    failures.push({
      field: "sentAt",
      reason: sentAt.reason,
      message: ownSentAt ? sentAt.message : `Batch ${sentAt.message.replace("Field", "field")}`,
    });
  }

  const first = firstRejection(failures, EVENT_FIELD_ORDER);
  if (first) return reject(first);

  const eventTs = timestamp.ok ? timestamp.value : undefined;
  const sentTs = sentAt.ok ? sentAt.value : undefined;
  const ts = !ctx.historical && eventTs !== undefined && sentTs !== undefined
    ? ctx.receivedAt - (sentTs - eventTs)
    : eventTs ?? ctx.receivedAt;
  if (ts > ctx.receivedAt + FUTURE_TOLERANCE_MS) {
    return reject({
      reason: "future_timestamp",
      field: "timestamp",
      message: `Event time ${quote(new Date(ts).toISOString())} is more than 24 h after receipt`,
    });
  }
  if (!ctx.historical && ts < ctx.receivedAt - MAX_EVENT_AGE_MS) {
    return reject({
      reason: "too_old",
      field: "timestamp",
      message: `Event time ${
        quote(new Date(ts).toISOString())
      } is more than 90 days before receipt`,
    });
  }

  const userId = text.userId;
  const anonymousId = text.anonymousId;
  const event: CleanEvent = {
    id: ctx.id,
    messageId: text.messageId!,
    type,
    person: (userId ?? anonymousId)!,
    ts,
    receivedAt: ctx.receivedAt,
    step: 0,
  };
  if (userId !== undefined) event.userId = userId;
  if (anonymousId !== undefined) event.anonymousId = anonymousId;
  const warnings: string[] = [];
  const properties = isPlainObject(raw.properties) ? raw.properties : undefined;
  if (type === "track") {
    event.event = text.event!;
    event.step = funnelStepOf(event.event);
    if (event.step === 4 && properties) {
      const orderId = orderIdOf(properties.order_id);
      if (orderId.value !== undefined) event.orderId = orderId.value;
      if (orderId.warn) warnings.push("order_id");
      const revenue = revenueOf(properties);
      if (revenue.value !== undefined) event.revenue = revenue.value;
      if (revenue.warn) warnings.push("revenue");
    }
  }
  if (properties) event.properties = properties;
  const ownContext = isPlainObject(raw.context) ? raw.context : undefined;
  if (ctx.batchContext || ownContext) event.context = { ...ctx.batchContext, ...ownContext };
  if (isPlainObject(raw.traits)) event.traits = raw.traits;
  if (ctx.historical) event.historical = true;
  return { ok: true, value: event, warnings };
}
