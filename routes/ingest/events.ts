/**
 * Event endpoints: `POST /v1/batch`, `/v1/track`, `/v1/page`, `/v1/identify`
 * (Segment's HTTP API) and `POST /v1/events` (one event, a JSON array, or an
 * NDJSON stream). See docs/ingest.md.
 *
 * @module
 */

import type { Context } from "hono";
import type { AppDeps } from "../deps.ts";
import { HttpError } from "../errors.ts";
import {
  bodyStream,
  decodedLength,
  decodeUtf8,
  mediaType,
  readBody,
} from "../../pipeline/ingest/body.ts";
import {
  type EventIngestResult,
  type EventRequestContext,
  ingestEvents,
  type RawEvent,
  rawEventsOf,
} from "../../pipeline/ingest/events.ts";
import { ingestNdjson } from "../../pipeline/ingest/events_ndjson.ts";
import { parseBatchEnvelope } from "../../pipeline/contracts/events.ts";
import type { EventType } from "../../pipeline/contracts/types.ts";
import { oldestFirstId } from "../../kv/ids.ts";
import { isWriteKey, writeKeyFromHeader } from "./auth.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { IngestHeaders } from "./headers.ts";

/** The event endpoints. */
export type EventEndpoint = "batch" | "track" | "page" | "identify" | "events";

/** Media types read as one JSON document (`text/plain` is what `sendBeacon` sends). */
const JSON_TYPES = new Set(["application/json", "text/plain", ""]);
/** Media types read as an NDJSON stream (`/v1/events` only). */
const NDJSON_TYPES = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
  "application/jsonlines",
]);

function isJsonType(type: string): boolean {
  return JSON_TYPES.has(type) || /^application\/[\w.+-]+\+json$/.test(type);
}

/** `?historical=1` (or `true`) marks an import of history. */
export function isHistorical(c: Context): boolean {
  const v = c.req.query("historical");
  return v === "1" || v === "true";
}

/** The `415` for a body of media type `type`; `accepted` names what to send instead. */
export function unsupportedType(type: string, accepted: string): HttpError {
  return new HttpError(
    415,
    "unsupported_media_type",
    `Content type "${type.slice(0, 60)}" is not accepted; use ${accepted}`,
  );
}

/** The `401` for a request without a valid write key. */
export function unauthorized(): HttpError {
  return new HttpError(401, "unauthorized", "Write key is missing or not valid");
}

/**
 * Refuses a missing (`null`) or unknown write key with a `401`, then takes a
 * token for it (see {@link checkRate}).
 */
export function authorizeKey(key: string | null, deps: AppDeps, limiter: RateLimiter): void {
  if (key === null || !isWriteKey(key, deps.config.writeKeys)) throw unauthorized();
  checkRate(limiter, key);
}

/**
 * Checks the `Authorization` header's write key and the key's rate. Returns
 * `false` when there is no header (the body may carry the key).
 */
export function authorizeHeader(c: Context, deps: AppDeps, limiter: RateLimiter): boolean {
  const header = c.req.header("authorization");
  if (header === undefined) return false;
  authorizeKey(writeKeyFromHeader(header), deps, limiter);
  return true;
}

/** Takes a token for `key` or refuses with a `429` and `Retry-After`. */
export function checkRate(limiter: RateLimiter, key: string): void {
  const verdict = limiter.take(key);
  if (!verdict.ok) {
    throw new HttpError(
      429,
      "rate_limited",
      `Too many requests for this write key; retry after ${verdict.retryAfterSeconds} s`,
      { "Retry-After": String(verdict.retryAfterSeconds) },
    );
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** What {@link handleEvents} needs besides the request. */
export interface EventHandlerOptions {
  deps: AppDeps;
  limiter: RateLimiter;
  endpoint: EventEndpoint;
  /** Builds the answer with its CORS and security headers (see headers.ts). */
  headers: IngestHeaders;
}

/**
 * Handles one event request end to end and answers `200` only when every
 * event is committed to bronze or quarantine.
 */
export async function handleEvents(c: Context, o: EventHandlerOptions): Promise<Response> {
  const receivedAt = Date.now();
  const authed = authorizeHeader(c, o.deps, o.limiter);
  if (!authed && o.endpoint === "events") throw unauthorized();
  // One id names the request and, if it lands, its first event (different key spaces).
  const id = oldestFirstId(receivedAt);
  const ctx: EventRequestContext = {
    requestId: `req_${id}`,
    receivedAt,
    historical: isHistorical(c),
    eventBytes: o.deps.config.limits.eventBytes,
    spareId: id,
  };
  let result: EventIngestResult;
  try {
    result = await ingestRequest(c, o, ctx, authed);
  } catch (err) {
    // Refusals from here on carry the request id, as answers do.
    c.header("X-Request-Id", ctx.requestId);
    throw err;
  }
  return o.headers.json(c, result, ctx.requestId);
}

async function ingestRequest(
  c: Context,
  o: EventHandlerOptions,
  ctx: EventRequestContext,
  authed: boolean,
): Promise<EventIngestResult> {
  const { deps, endpoint } = o;
  const req = c.req.raw;
  const type = mediaType(req);
  if (endpoint === "events" && NDJSON_TYPES.has(type)) {
    const stream = bodyStream(req, {
      limit: deps.config.limits.streamBytes,
      what: "NDJSON stream",
    });
    return await ingestNdjson(deps.kv, stream, ctx);
  }
  if (!isJsonType(type)) {
    const accepted = endpoint === "events"
      ? "application/json or application/x-ndjson"
      : "application/json";
    throw unsupportedType(type, accepted);
  }
  const bytes = await readBody(req, { limit: deps.config.limits.jsonBytes, what: "JSON request" });
  const text = decodeUtf8(bytes);
  if (text === null) throw new HttpError(400, "malformed_body", "Body is not valid UTF-8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "malformed_json", "Body is not valid JSON");
  }
  if (!authed) {
    // Segment lets browsers send the key in the body (sendBeacon cannot set headers).
    const key = isPlainObject(value) && typeof value.writeKey === "string" ? value.writeKey : null;
    authorizeKey(key, deps, o.limiter);
  }
  let events: RawEvent[];
  if (endpoint === "batch") {
    const envelope = parseBatchEnvelope(value);
    if (!envelope.ok) throw new HttpError(400, "invalid_batch", envelope.message);
    ctx.batchSentAt = envelope.value.sentAt;
    ctx.batchContext = envelope.value.context;
    events = rawEventsOf(envelope.value.items);
  } else if (endpoint === "events") {
    if (Array.isArray(value)) events = rawEventsOf(value);
    else if (isPlainObject(value)) {
      events = [{ value, text, bytes: decodedLength(bytes), index: 0 }];
    } else {
      throw new HttpError(400, "invalid_body", "Body must be a JSON object or an array of them");
    }
  } else {
    if (!isPlainObject(value)) {
      throw new HttpError(400, "invalid_body", "Body must be a JSON object");
    }
    ctx.impliedType = endpoint as EventType;
    events = [{ value, text, bytes: decodedLength(bytes), index: 0 }];
  }
  return await ingestEvents(deps.kv, events, ctx);
}
