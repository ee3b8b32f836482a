/**
 * The clean event line, from cached pieces (line heads, context tails) and
 * table lookups for both timestamps, so no `Date` and no intermediate string
 * is built per event: as UTF-8 bytes in a line arena (the generator), or as
 * one string (live traffic, which parses it).
 *
 * @module
 */

import type { EventEmitter, LogicalEvent } from "./event_format.ts";
import { DAY_MS, splitTimeOfDay } from "./calendar.ts";
import { type LineArena, putUint, reserveLine } from "./line_arena.ts";

const TYPE_INDEX = { track: 0, page: 1, identify: 2 } as const;

/** `{"type":"…","event":"…","messageId":"`, per emitter, type and event. */
function headOf(em: EventEmitter, type: LogicalEvent["type"], event: string | undefined): string {
  const heads = em.heads ??= [new Map(), new Map(), new Map()];
  const byEvent = heads[TYPE_INDEX[type]];
  let head = byEvent.get(event);
  if (head === undefined) {
    head = `{"type":"${type}"${event === undefined ? "" : `,"event":"${event}"`},"messageId":"`;
    byEvent.set(event, head);
  }
  return head;
}

const CONTEXT_TAIL = new Map<string, string>();

/** `SS.` and `mmmZ`: the end of an ISO instant, from tables. */
const SECOND_DOT = Array.from({ length: 60 }, (_, i) => `${String(i).padStart(2, "0")}.`);
const MILLI_Z = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, "0")}Z`);

/** Minute prefixes (`2026-11-24T10:15:`) of the two most recent days, built on first use. */
const minuteCache = {
  days: [Number.NaN, Number.NaN],
  prefixes: [[] as string[], [] as string[]],
};

function minutePrefix(minute: number): string {
  const day = Math.floor(minute / 1440);
  const c = minuteCache;
  let slot = c.days[0] === day ? 0 : c.days[1] === day ? 1 : -1;
  if (slot < 0) {
    // Replace the older day: lines are mostly of today, some of yesterday.
    slot = c.days[0] < c.days[1] ? 0 : 1;
    c.days[slot] = day;
    c.prefixes[slot] = new Array<string>(1440).fill("");
  }
  const prefixes = c.prefixes[slot];
  const i = minute - day * 1440;
  let prefix = prefixes[i];
  if (prefix === "") {
    prefix = prefixes[i] = new Date(minute * 60_000).toISOString().slice(0, -7);
  }
  return prefix;
}

/**
 * The line of an event without dirt, its newline included.
 *
 * @example
 * ```ts
 * cleanLine(em, ev, "msg_42_1", ev.ts + 100); // "{\"type\":\"page\",\"messageId\":\"msg_42_1\",…}\n"
 * ```
 */
export function cleanLine(
  em: EventEmitter,
  ev: LogicalEvent,
  messageId: string,
  sent: number,
): string {
  // One join of cached pieces and table lookups (no Date, no intermediate
  // strings). A flat line keeps the chunk cheap to flatten later;
  // concatenating a rope here measured slower.
  let user = "";
  if (ev.userId !== undefined) {
    if (em.userOf !== ev.userId) {
      em.userOf = ev.userId;
      em.userJson = `,"userId":"${ev.userId}"`;
    }
    user = em.userJson!;
  }
  let tail = CONTEXT_TAIL.get(ev.context);
  if (tail === undefined) CONTEXT_TAIL.set(ev.context, tail = `,"context":${ev.context}}\n`);
  const tsMinute = Math.floor(ev.ts / 60_000);
  const tsRest = ev.ts - tsMinute * 60_000;
  const tsSecond = Math.floor(tsRest / 1000);
  const sentMinute = Math.floor(sent / 60_000);
  const sentRest = sent - sentMinute * 60_000;
  const sentSecond = Math.floor(sentRest / 1000);
  return [
    headOf(em, ev.type, ev.event),
    messageId,
    '",',
    ev.anonJson,
    user,
    ',"timestamp":"',
    minutePrefix(tsMinute),
    SECOND_DOT[tsSecond],
    MILLI_Z[tsRest - tsSecond * 1000],
    '","sentAt":"',
    minutePrefix(sentMinute),
    SECOND_DOT[sentSecond],
    MILLI_Z[sentRest - sentSecond * 1000],
    '",',
    ev.body,
    tail,
  ].join("");
}

const encoder = new TextEncoder();
const TIMESTAMP = encoder.encode(',"timestamp":"');
const SENT_AT = encoder.encode('","sentAt":"');

/** The byte pieces of clean lines, built on first use. */
const bytePieces = {
  /** `,"context":{…}}\n` by context. */
  tails: new Map<string, Uint8Array>(),
  /** `YYYY-MM-DDT` of the two most recent days. */
  days: [Number.NaN, Number.NaN],
  dayBytes: [new Uint8Array(0), new Uint8Array(0)],
};

function headBytes(em: EventEmitter, ev: LogicalEvent): Uint8Array {
  const head = headOf(em, ev.type, ev.event);
  // Heads are few cached strings, so each key's hash is computed once.
  const heads = em.headBytes ??= new Map();
  let bytes = heads.get(head);
  if (bytes === undefined) heads.set(head, bytes = encoder.encode(`${head}msg_${em.tag}_`));
  return bytes;
}

/**
 * `",` + the anonymousId member + the userId member, rebuilt only when the
 * person changes (a visit's events come one after the other) into a reused
 * buffer; returns its length.
 */
function idBytes(em: EventEmitter, ev: LogicalEvent): number {
  let buf = em.idsBytes;
  if (buf === undefined || em.idsAnon !== ev.anonJson || em.idsUser !== ev.userId) {
    em.idsAnon = ev.anonJson;
    em.idsUser = ev.userId;
    const ids = `",${ev.anonJson}${ev.userId === undefined ? "" : `,"userId":"${ev.userId}"`}`;
    if (buf === undefined || buf.length < 3 * ids.length) {
      em.idsBytes = buf = new Uint8Array(6 * ids.length);
    }
    em.idsLength = encoder.encodeInto(ids, buf).written;
  }
  return em.idsLength!;
}

function tailBytes(context: string): Uint8Array {
  let bytes = bytePieces.tails.get(context);
  if (bytes === undefined) {
    bytePieces.tails.set(context, bytes = encoder.encode(`,"context":${context}}\n`));
  }
  return bytes;
}

function put2(buf: Uint8Array, p: number, n: number): void {
  const tens = Math.floor(n / 10);
  buf[p] = 48 + tens;
  buf[p + 1] = 48 + n - tens * 10;
}

/** The ISO instant of `ms` (`2026-11-24T10:15:07.123Z`, as `toISOString`) at `p`; returns the end. */
function putInstant(buf: Uint8Array, p: number, ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  const c = bytePieces;
  let slot = c.days[0] === day ? 0 : c.days[1] === day ? 1 : -1;
  if (slot < 0) {
    // Replace the older day: lines are mostly of today, some of yesterday.
    slot = c.days[0] < c.days[1] ? 0 : 1;
    c.days[slot] = day;
    const iso = new Date(day * DAY_MS).toISOString();
    // Everything before `HH:MM:SS.mmmZ` (extended years are longer).
    c.dayBytes[slot] = encoder.encode(iso.slice(0, iso.length - 13));
  }
  const prefix = c.dayBytes[slot];
  for (let i = 0; i < prefix.length; i++) buf[p + i] = prefix[i];
  p += prefix.length;
  const t = splitTimeOfDay(ms - day * DAY_MS);
  const milli = t[3];
  put2(buf, p, t[0]);
  buf[p + 2] = 58; // :
  put2(buf, p + 3, t[1]);
  buf[p + 5] = 58;
  put2(buf, p + 6, t[2]);
  buf[p + 8] = 46; // .
  const hundreds = Math.floor(milli / 100);
  put2(buf, p + 10, milli - hundreds * 100);
  buf[p + 9] = 48 + hundreds;
  buf[p + 12] = 90; // Z
  return p + 13;
}

function putShort(buf: Uint8Array, p: number, src: Uint8Array, n = src.length): number {
  for (let i = 0; i < n; i++) buf[p + i] = src[i];
  return p + n;
}

/**
 * Writes the same bytes as `cleanLine()` (UTF-8, newline included) into the
 * arena's current slab, counts it there, and returns its start; it ends at
 * the slab's `used`. Long pieces are cached bytes copied with `set` (the
 * body too when the caller has it as bytes); only a dynamic body is encoded.
 *
 * @example
 * ```ts
 * const start = writeCleanLine(em, arena, ev, 1, ev.ts + 100);
 * const bytes = arena.slab.bytes.subarray(start, arena.slab.used);
 * ```
 */
export function writeCleanLine(
  em: EventEmitter,
  arena: LineArena,
  ev: LogicalEvent,
  seq: number,
  sent: number,
): number {
  const head = headBytes(em, ev);
  const idsLength = idBytes(em, ev);
  const ids = em.idsBytes!;
  const tail = tailBytes(ev.context);
  const body = ev.bodyBytes;
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes; 128 covers the digits and timestamps.
  const bodyMax = body === undefined ? 3 * ev.body.length : body.length;
  const slab = reserveLine(arena, head.length + idsLength + bodyMax + tail.length + 128);
  const buf = slab.bytes;
  const start = slab.used;
  buf.set(head, start);
  let p = putUint(buf, start + head.length, seq);
  p = putShort(buf, p, ids, idsLength);
  p = putShort(buf, p, TIMESTAMP);
  p = putInstant(buf, p, ev.ts);
  p = putShort(buf, p, SENT_AT);
  p = putInstant(buf, p, sent);
  buf[p++] = 34; // "
  buf[p++] = 44; // ,
  if (body !== undefined) {
    buf.set(body, p);
    p += body.length;
  } else {
    // A built body is a rope: encodeInto flattens it natively (a charCodeAt loop measured slower).
    p += encoder.encodeInto(ev.body, buf.subarray(p)).written;
  }
  buf.set(tail, p);
  p += tail.length;
  slab.used = p;
  slab.live++;
  return start;
}
