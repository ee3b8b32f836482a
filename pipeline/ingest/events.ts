/**
 * Event ingest: turns the events of one request into commit items (bronze or
 * quarantine), hands them to the group committer and tallies the answer of
 * shared/spec/api.md. Streamed NDJSON is in `events_ndjson.ts`.
 *
 * @module
 */

import type { EventType, ReasonCode, Rejection } from "../contracts/types.ts";
import { eventTooLarge, normaliseEvent } from "../contracts/events.ts";
import { oldestFirstId } from "../../kv/ids.ts";
import { type CommitItem, type CommitOutcome, committerFor } from "./committer.ts";
import { quarantineRecordOf } from "./quarantine.ts";
import { inspectJson, MAX_JSON_DEPTH } from "./json_checks.ts";
import { utf8Length } from "./body.ts";

/** What every event of one request shares. */
export interface EventRequestContext {
  /** Request id, kept in quarantine records. */
  requestId: string;
  /** Server receive time of the request, epoch ms. */
  receivedAt: number;
  /** `?historical=1`. */
  historical: boolean;
  /** Type implied by the endpoint (`/v1/track` → `track`). */
  impliedType?: EventType;
  /** A batch's `sentAt`. */
  batchSentAt?: unknown;
  /** A batch's `context`, merged under each event's own. */
  batchContext?: Record<string, unknown>;
  /** Largest event, bytes of JSON (the batch context counts with each event). */
  eventBytes: number;
  /**
   * An ingest id already made for this request (its request id uses it too),
   * given to the first event that lands instead of a new one.
   */
  spareId?: string;
}

/** One quarantined event in an answer. */
export interface EventError {
  index: number;
  reason: ReasonCode;
  field?: string;
  /** NDJSON: the 1-based line. */
  line?: number;
}

/** The `200` answer for events (shared/spec/api.md). */
export interface EventIngestResult {
  success: true;
  accepted: number;
  duplicates: number;
  quarantined: number;
  errors: EventError[];
}

/** At most this many entries are listed in `errors` (every one is counted). */
export const MAX_LISTED_ERRORS = 1000;

/** One event as found in a request, before normalisation. */
export interface RawEvent {
  /** The parsed value (anything JSON). */
  value: unknown;
  /** Its JSON text: kept as the raw form if quarantined. */
  text: string;
  /** Bytes of `text` in UTF-8. */
  bytes: number;
  /** Index in the request (NDJSON: line − 1). */
  index: number;
  /** NDJSON line number. */
  line?: number;
}

function contextBytes(ctx: EventRequestContext): number {
  if (!ctx.batchContext) return 0;
  return utf8Length(JSON.stringify(ctx.batchContext));
}

/**
 * The commit item that quarantines one event of a request with `rejection`,
 * keeping its raw text and the request's shared parts.
 */
export function eventQuarantineItem(
  ctx: EventRequestContext,
  rejection: Rejection,
  raw: string,
  index: number,
): CommitItem {
  return {
    kind: "quarantine",
    record: quarantineRecordOf({
      source: "events",
      rejection,
      raw,
      requestId: ctx.requestId,
      position: index,
      receivedAt: ctx.receivedAt,
      historical: ctx.historical,
      request: {
        impliedType: ctx.impliedType,
        sentAt: ctx.batchSentAt,
        context: ctx.batchContext,
      },
    }),
  };
}

/**
 * Whether a parsed event could nest too deep or hold a lone surrogate, judged
 * from its JSON text: a lone surrogate needs a `\u` escape (raw bytes that
 * are not UTF-8 are refused earlier), and 64 levels need 64 brackets.
 */
function needsInspection(text: string): boolean {
  if (text.includes("\\u")) return true;
  let brackets = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 123 || c === 91) && ++brackets >= MAX_JSON_DEPTH) return true;
  }
  return false;
}

/**
 * The commit item for one raw event: the size limit (with the batch context),
 * nesting and Unicode checks, then `normaliseEvent`.
 *
 * @example
 * ```ts
 * const item = prepareEvent({ value, text, bytes, index: 0 }, ctx, 0);
 * ```
 */
export function prepareEvent(
  raw: RawEvent,
  ctx: EventRequestContext,
  sharedBytes: number,
): CommitItem {
  const big = eventTooLarge(raw.bytes + sharedBytes, ctx.eventBytes);
  if (big) return eventQuarantineItem(ctx, big, raw.text, raw.index);
  const problem = needsInspection(raw.text) ? inspectJson(raw.value) : null;
  if (problem?.kind === "too_deep") {
    return eventQuarantineItem(
      ctx,
      {
        reason: "invalid_value",
        field: problem.field || undefined,
        message: `Event nests deeper than ${MAX_JSON_DEPTH} levels`,
      },
      raw.text,
      raw.index,
    );
  }
  if (problem?.kind === "lone_surrogate") {
    return eventQuarantineItem(
      ctx,
      {
        reason: "invalid_value",
        field: problem.field || undefined,
        message: `Field "${problem.field}" holds text that is not valid Unicode (a lone surrogate)`,
      },
      raw.text,
      raw.index,
    );
  }
  const id = ctx.spareId ?? oldestFirstId(ctx.receivedAt);
  const result = normaliseEvent(raw.value, {
    id,
    receivedAt: ctx.receivedAt,
    historical: ctx.historical,
    impliedType: ctx.impliedType,
    batchSentAt: ctx.batchSentAt,
    batchContext: ctx.batchContext,
  });
  if (!result.ok) return eventQuarantineItem(ctx, result.rejection, raw.text, raw.index);
  ctx.spareId = undefined;
  return {
    kind: "event",
    event: result.value,
    warnings: result.warnings,
    bytes: raw.bytes + sharedBytes + 256,
  };
}

/** A running tally of outcomes into an answer. */
export class EventTally {
  readonly result: EventIngestResult = {
    success: true,
    accepted: 0,
    duplicates: 0,
    quarantined: 0,
    errors: [],
  };

  /** Counts the outcomes of items submitted together. */
  add(items: readonly CommitItem[], outcomes: readonly CommitOutcome[], lines?: number[]): void {
    const r = this.result;
    for (let i = 0; i < items.length; i++) {
      const o = outcomes[i];
      if (o === "accepted") r.accepted++;
      else if (o === "duplicate") r.duplicates++;
      else if (o === "quarantined") {
        r.quarantined++;
        const record = (items[i] as Extract<CommitItem, { kind: "quarantine" }>).record;
        if (r.errors.length < MAX_LISTED_ERRORS) {
          const error: EventError = { index: record.position, reason: record.reason };
          if (record.field !== undefined) error.field = record.field;
          if (lines) error.line = lines[i];
          r.errors.push(error);
        }
      }
    }
  }
}

/**
 * Ingests parsed events (a single call, a JSON array or a batch) and resolves
 * once every one is committed.
 *
 * @example
 * ```ts
 * const answer = await ingestEvents(kv, [{ value, text, bytes, index: 0 }], ctx);
 * ```
 */
export async function ingestEvents(
  kv: Deno.Kv,
  events: readonly RawEvent[],
  ctx: EventRequestContext,
): Promise<EventIngestResult> {
  const shared = contextBytes(ctx);
  const items = events.map((e) => prepareEvent(e, ctx, shared));
  const outcomes = await committerFor(kv).submit(items);
  const tally = new EventTally();
  tally.add(items, outcomes);
  return tally.result;
}

/**
 * Splits a parsed JSON array into raw events, each with its own JSON text.
 *
 * @example
 * ```ts
 * rawEventsOf([{ type: "page" }, 3]).length; // 2
 * ```
 */
export function rawEventsOf(values: readonly unknown[]): RawEvent[] {
  return values.map((value, index) => {
    let text: string;
    try {
      text = JSON.stringify(value) ?? "null";
    } catch {
      text = "";
    }
    return { value, text, bytes: utf8Length(text), index };
  });
}
