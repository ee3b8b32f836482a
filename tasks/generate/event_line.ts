/**
 * The clean event line: one `join` of cached pieces (line heads, context
 * tails) and table lookups for both timestamps, so no `Date` and no
 * intermediate string is built per event.
 *
 * @module
 */

import type { EventEmitter, LogicalEvent } from "./event_format.ts";

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
