/**
 * Wire format of `POST /v1/batch`: the Basic auth header, event serialisation and the
 * splitting of a queue into request bodies under a byte limit.
 *
 * @module
 */

import type { SdkEvent } from "./types.ts";

/** An event with its JSON and the UTF-8 size of that JSON, computed once at call time. */
export interface Pending {
  /** The event. */
  event: SdkEvent;
  /** `JSON.stringify(event)`, reused by every attempt. */
  json: string;
  /** UTF-8 bytes of `json`. */
  bytes: number;
}

const encoder = new TextEncoder();

/** UTF-8 byte length of a string. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * `Basic base64(writeKey + ":")`, encoding the key as UTF-8 first so that any key survives.
 *
 * @example
 * ```ts
 * basicAuth("wk_1"); // "Basic d2tfMTo="
 * ```
 */
export function basicAuth(writeKey: string): string {
  return "Basic " + btoa(String.fromCharCode(...encoder.encode(writeKey + ":")));
}

/** Serialises an event once; throws on values JSON cannot hold (cycles, bigint). */
export function toPending(event: SdkEvent): Pending {
  const json = JSON.stringify(event);
  return { event, json, bytes: byteLength(json) };
}

/**
 * The request body for a batch: `{"batch": [...], "sentAt": iso}` plus `"writeKey"` when the
 * request cannot carry an `Authorization` header (`sendBeacon`, preflight-free keepalive).
 * `sentAt` is the time of this attempt, so the server can correct the client's clock skew.
 */
export function batchBody(items: Pending[], sentAt: string, writeKey?: string): string {
  const key = writeKey === undefined ? "" : `,"writeKey":${JSON.stringify(writeKey)}`;
  return `{"batch":[${items.map((p) => p.json).join(",")}],"sentAt":"${sentAt}"${key}}`;
}

/** Bytes of a body's envelope: `{"batch":[`, `],"sentAt":"<24 chars>"`, the key and `}`. */
export function envelopeBytes(writeKey?: string): number {
  return 48 + (writeKey === undefined ? 0 : byteLength(JSON.stringify(writeKey)) + 12);
}

/**
 * Removes from the front of `queue` the longest run of at most `maxCount` events whose batch
 * body stays within `maxBytes` (envelope and commas included) and returns it. Always takes at
 * least one event, so an event must be checked against the limit before it is queued.
 */
export function takeBatch(
  queue: Pending[],
  maxBytes: number,
  envelope: number,
  maxCount = Infinity,
): Pending[] {
  let size = envelope;
  let n = 0;
  while (
    n < queue.length && n < maxCount && (n === 0 || size + queue[n].bytes + 1 <= maxBytes)
  ) {
    size += queue[n].bytes + (n > 0 ? 1 : 0);
    n++;
  }
  return queue.splice(0, n);
}
