/**
 * Writes events as Segment JSON lines: draws each event's dirt, and queues
 * its line (clean: `event_line.ts`; dirtied: `event_dirt_line.ts`) with the
 * normalised record (or quarantine reason) the answer key will read.
 *
 * @module
 */

import { dirtDrawer, type DirtTally, EVENT_DIRT } from "./dirt.ts";
import { emitDirtyEvent } from "./event_dirt_line.ts";
import { cleanLine, writeCleanLine } from "./event_line.ts";
import { enqueue, type EventQueue, personHint } from "./event_queue.ts";
import type { LineArena } from "./line_arena.ts";
import type { Rng } from "./prng.ts";

/** One event as the model produced it, before serialisation. */
export interface LogicalEvent {
  type: "track" | "page" | "identify";
  event?: string;
  ts: number;
  userId?: string;
  anonymousId: string;
  /** `"anonymousId":"…"`, prebuilt per person. */
  anonJson: string;
  /** The JSON members after the ids: `"properties":{…}` (or `"name":…,"properties":…`, `"traits":…`). */
  body: string;
  /** `body` as UTF-8, when the caller has it prebuilt (written with one copy). */
  bodyBytes?: Uint8Array;
  context: string;
  orderId?: string;
  /** The model's person index (a lookup hint for the answer key). */
  person?: number;
}

/** Event serialisation state. */
export interface EventEmitter {
  rng: Rng;
  rate: number;
  tally: DirtTally;
  /** messageId prefix: `msg_<tag>_<seq>`. */
  tag: string;
  seq: number;
  lastDay: number;
  /** Lines not yet written, released in file order. */
  queue: EventQueue;
  /**
   * Where clean lines are written as bytes (the generator); without it they
   * are strings in `PendingEvent.line` (live traffic parses them).
   */
  arena?: LineArena;
  /** Line heads by type index and event name, built on first use. */
  heads?: Map<string | undefined, string>[];
  /** The last userId written and its JSON member (consecutive events are mostly one person's). */
  userOf?: string;
  userJson?: string;
  /** Byte heads (`…"messageId":"msg_<tag>_`) by string head, built on first use. */
  headBytes?: Map<string, Uint8Array>;
  /** The ids of the last byte line and their bytes (`",` + anonymousId and userId members). */
  idsAnon?: string;
  idsUser?: string;
  idsBytes?: Uint8Array;
  idsLength?: number;
}

/** Context of web events. */
export const WEB_CONTEXT =
  `{"library":{"name":"analytics.js","version":"5.2.0"},"locale":"en-US","userAgent":"Mozilla/5.0"}`;
/** Context of app events. */
export const APP_CONTEXT =
  `{"library":{"name":"analytics-ios","version":"4.1.8"},"app":{"name":"Shop","version":"3.2.0"},"device":{"type":"ios"}}`;

const draw = dirtDrawer(EVENT_DIRT);

/**
 * Serialises one event (with its dirt, if drawn) into the pending chunks.
 *
 * @example
 * ```ts
 * emitEvent(em, { type: "page", ts, anonymousId, anonJson, body: `"properties":{}`, context: WEB_CONTEXT });
 * ```
 */
export function emitEvent(em: EventEmitter, ev: LogicalEvent): void {
  const rng = em.rng;
  const seq = ++em.seq;
  const kind = draw(rng, em.rate, em.tally);
  const sent = ev.ts + 40 + rng.int(0, 2500);
  if (kind !== null) {
    emitDirtyEvent(em, ev, { kind, messageId: `msg_${em.tag}_${seq}`, sent });
    return;
  }
  const hint = personHint(ev.person, ev.userId);
  // Every queued line has one object shape (the queue and the tally stay monomorphic).
  const arena = em.arena;
  if (arena !== undefined) {
    const start = writeCleanLine(em, arena, ev, seq, sent);
    const slab = arena.slab;
    enqueue(em.queue, {
      key: ev.ts,
      seq: 0,
      line: "",
      slab,
      start,
      end: slab.used,
      reason: undefined,
      idSeq: seq,
      personHint: hint,
      messageId: "",
      type: ev.type,
      event: ev.event,
      userId: ev.userId,
      anonymousId: ev.anonymousId,
      ts: ev.ts,
      orderId: ev.orderId,
    });
    return;
  }
  const messageId = `msg_${em.tag}_${seq}`;
  enqueue(em.queue, {
    key: ev.ts,
    seq: 0,
    line: cleanLine(em, ev, messageId, sent),
    slab: undefined,
    start: 0,
    end: 0,
    reason: undefined,
    idSeq: -1,
    personHint: hint,
    messageId,
    type: ev.type,
    event: ev.event,
    userId: ev.userId,
    anonymousId: ev.anonymousId,
    ts: ev.ts,
    orderId: ev.orderId,
  });
}
