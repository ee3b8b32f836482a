/**
 * Event ingest of a streamed NDJSON body: one record per line, committed while
 * the stream is still being read.
 *
 * @module
 */

import { eventTooLarge } from "../contracts/events.ts";
import { type CommitItem, committerFor } from "./committer.ts";
import { decodeUtf8 } from "./body.ts";
import { ndjsonLines } from "./ndjson.ts";
import {
  type EventIngestResult,
  eventQuarantineItem,
  type EventRequestContext,
  EventTally,
  prepareEvent,
} from "./events.ts";

/** Items submitted per call while streaming NDJSON. */
const NDJSON_CHUNK = 256;
/** Uncommitted items a stream may have outstanding before reading waits. */
const NDJSON_MAX_OUTSTANDING = 4096;

/**
 * Ingests an NDJSON stream line by line: each line is its own record, a line
 * that is not JSON (or not UTF-8) is quarantined `malformed` with its line
 * number, a line over the event limit `too_large`. Commits overlap reading,
 * with a bounded number of records in flight.
 *
 * @example
 * ```ts
 * const answer = await ingestNdjson(kv, bodyStream(req, opts), ctx);
 * ```
 */
export async function ingestNdjson(
  kv: Deno.Kv,
  stream: ReadableStream<Uint8Array>,
  ctx: EventRequestContext,
): Promise<EventIngestResult> {
  const committer = committerFor(kv);
  const tally = new EventTally();
  const inFlight: { size: number; done: Promise<void> }[] = [];
  let outstanding = 0;
  let items: CommitItem[] = [];
  let lines: number[] = [];
  let failure: unknown = null;
  const flush = () => {
    if (items.length === 0) return;
    const batch = items;
    const batchLines = lines;
    items = [];
    lines = [];
    const done = committer.submit(batch).then(
      (outcomes) => tally.add(batch, outcomes, batchLines),
      (err) => {
        failure ??= err;
      },
    );
    inFlight.push({ size: batch.length, done });
    outstanding += batch.length;
  };
  const decoder = new TextDecoder();
  const maxLineBytes = ctx.eventBytes;
  for await (const l of ndjsonLines(stream, { maxLineBytes, keepBytes: 16 * 1024 })) {
    const index = l.line - 1;
    if (l.tooLong) {
      const rejection = eventTooLarge(l.length, maxLineBytes)!;
      items.push(eventQuarantineItem(ctx, rejection, decoder.decode(l.bytes), index));
    } else {
      const text = decodeUtf8(l.bytes);
      if (text === null) {
        items.push(eventQuarantineItem(
          ctx,
          {
            reason: "malformed",
            message: `Line ${l.line} is not valid UTF-8`,
          },
          decoder.decode(l.bytes),
          index,
        ));
      } else {
        let value: unknown;
        let parsed = true;
        try {
          value = JSON.parse(text);
        } catch {
          parsed = false;
        }
        items.push(
          parsed
            ? prepareEvent({ value, text, bytes: l.length, index, line: l.line }, ctx, 0)
            : eventQuarantineItem(
              ctx,
              {
                reason: "malformed",
                message: `Line ${l.line} is not valid JSON`,
              },
              text,
              index,
            ),
        );
      }
    }
    lines.push(l.line);
    if (items.length >= NDJSON_CHUNK) flush();
    while (outstanding > NDJSON_MAX_OUTSTANDING) {
      const first = inFlight.shift()!;
      await first.done;
      outstanding -= first.size;
    }
    if (failure) throw failure;
  }
  flush();
  await Promise.all(inFlight.map((f) => f.done));
  if (failure) throw failure;
  return tally.result;
}
