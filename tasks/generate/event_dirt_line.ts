/**
 * Event dirt: rewrites the line of a dirtied event (timestamp formats, name
 * and type case, null tokens, skewed `sentAt`, late chunks) or adds lines next
 * to it (retries and quarantined junk), each queued with the normalised event
 * the answer key reads, or the reason it must be quarantined.
 *
 * @module
 */

import { DAY_MS, dayOfMs, isoOfMs } from "./calendar.ts";
import { countDirt, type EventDirt } from "./dirt.ts";
import type { EventEmitter, LogicalEvent } from "./event_format.ts";
import { enqueue, enqueueLater, type PendingEvent, personHint } from "./event_queue.ts";
import type { Rng } from "./prng.ts";
import type { NormEvent } from "./records.ts";

const BLOB = `"blob":"${"x".repeat(40_000)}"`;

interface Parts {
  type: string;
  event?: string;
  messageId?: string;
  anon?: string;
  user?: string;
  ts: string;
  sent: string;
  body: string;
  context: string;
}

function render(p: Parts): string {
  let s = `{"type":${p.type}`;
  if (p.event !== undefined) s += `,"event":${p.event}`;
  if (p.messageId !== undefined) s += `,"messageId":${p.messageId}`;
  if (p.anon !== undefined) s += `,${p.anon}`;
  if (p.user !== undefined) s += `,"userId":${p.user}`;
  return `${s},"timestamp":${p.ts},"sentAt":${p.sent},${p.body},"context":${p.context}}`;
}

function iso(ms: number): string {
  return `"${isoOfMs(ms)}"`;
}

function withOffset(ms: number, offsetMin: number): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `"${local}${sign}${hh}:${mm}"`;
}

function push(em: EventEmitter, late: number, item: PendingEvent): void {
  if (late >= 0) enqueueLater(em.queue, late, item);
  else enqueue(em.queue, item);
}

function nextId(em: EventEmitter): string {
  return `msg_${em.tag}_${++em.seq}`;
}

const TYPE_VARIANTS: Record<string, string[]> = {
  track: ["Track", "TRACK"],
  page: ["Page", "PAGE"],
  identify: ["Identify", "IDENTIFY"],
};
const NULL_TOKENS = ["null", `""`, `"null"`, `"N/A"`, `"  "`];
const OFFSETS = [60, -300, 330, 0, -480, 120];
const BAD_TIMESTAMPS = [
  `"yesterday"`,
  `"25/11/2026 10:15"`,
  "173244123412",
  `"2026-11-25T10:15:00"`,
];

function odd(name: string, rng: Rng): string {
  const r = rng.int(0, 2);
  return r === 0 ? ` ${name.toLowerCase()} ` : r === 1 ? name.toUpperCase() : `${name}  `;
}

/** A queued line with every field set, in one fixed order (one object shape for the queue and the tally). */
function pending(
  key: number,
  line: string,
  n: NormEvent & { person: number | undefined },
  reason: string | undefined,
): PendingEvent {
  return {
    key,
    seq: 0,
    line,
    slab: undefined,
    start: 0,
    end: 0,
    reason,
    idSeq: -1,
    personHint: personHint(n.person, n.userId),
    messageId: n.messageId,
    type: n.type,
    event: n.event,
    userId: n.userId,
    anonymousId: n.anonymousId,
    ts: n.ts,
    orderId: n.orderId,
  };
}

/** What the clean path already settled for a dirtied event. */
export interface DirtyEvent {
  kind: EventDirt;
  messageId: string;
  /** `sentAt`, epoch ms. */
  sent: number;
}

/**
 * Queues the line(s) of a dirtied event: the event rewritten by `d.kind`,
 * plus the retry or junk line that kind adds. Counts the kind.
 *
 * @example
 * ```ts
 * emitDirtyEvent(em, ev, { kind: "retry", messageId: "msg_42_7", sent: ev.ts + 100 });
 * ```
 */
export function emitDirtyEvent(em: EventEmitter, ev: LogicalEvent, d: DirtyEvent): void {
  const rng = em.rng;
  const messageId = d.messageId;
  const day = dayOfMs(ev.ts);
  let kind = d.kind;
  const norm: NormEvent & { person: number | undefined } = {
    person: ev.person,
    messageId,
    type: ev.type,
    event: ev.event,
    userId: ev.userId,
    anonymousId: ev.anonymousId,
    ts: ev.ts,
    orderId: ev.orderId,
  };
  const parts: Parts = {
    type: `"${ev.type}"`,
    event: ev.event === undefined ? undefined : `"${ev.event}"`,
    messageId: `"${messageId}"`,
    anon: ev.anonJson,
    user: ev.userId === undefined ? undefined : `"${ev.userId}"`,
    ts: iso(ev.ts),
    sent: iso(d.sent),
    body: ev.body,
    context: ev.context,
  };
  let key = ev.ts;
  let late = -1;
  if (kind === "event_name_case_pad" && ev.event === undefined) kind = "type_case";
  if (kind === "user_id_null_token" && ev.userId === undefined) kind = "ts_space";
  if (kind === "late" && day >= em.lastDay) kind = "ts_epoch_ms";
  countDirt(em.tally, kind);
  switch (kind) {
    case "ts_epoch_s":
      norm.ts = Math.floor(ev.ts / 1000) * 1000;
      parts.ts = String(norm.ts / 1000);
      break;
    case "ts_epoch_ms":
      parts.ts = String(ev.ts);
      break;
    case "ts_space":
      if (rng.chance(0.5)) {
        parts.ts = parts.ts.replace("T", " ").replace("Z", "");
      } else {
        norm.ts = Math.floor(ev.ts / 1000) * 1000;
        parts.ts = `"${isoOfMs(norm.ts).slice(0, 19).replace("T", " ")}"`;
      }
      break;
    case "ts_offset":
      parts.ts = withOffset(ev.ts, rng.pick(OFFSETS));
      break;
    case "type_case":
      parts.type = `"${rng.pick(TYPE_VARIANTS[ev.type])}"`;
      break;
    case "event_name_case_pad": {
      const name = odd(ev.event!, rng);
      parts.event = `"${name}"`;
      norm.event = name.trim();
      break;
    }
    case "user_id_null_token":
      parts.user = rng.pick(NULL_TOKENS);
      norm.userId = undefined;
      break;
    case "sent_at_skew":
      parts.sent = iso(ev.ts + (rng.chance(0.5) ? -1 : 1) * rng.int(600, 6 * 3600) * 1000);
      break;
    case "late":
      late = Math.min(em.lastDay, day + rng.int(1, 3));
      key = late * DAY_MS + rng.int(0, DAY_MS - 1);
      break;
  }
  push(em, late, pending(key, render(parts) + "\n", norm, undefined));
  if (kind === "retry") {
    const same = rng.chance(0.5);
    const retry = same ? parts : { ...parts, sent: iso(ev.ts + rng.int(5_000, 120_000)) };
    const retryNorm = { ...norm };
    if (!same && rng.chance(0.5)) {
      retryNorm.ts = norm.ts + 1000;
      retry.ts = iso(retryNorm.ts);
    }
    push(em, late, pending(key + rng.int(1, 60_000), render(retry) + "\n", retryNorm, undefined));
    return;
  }
  const maker = JUNK[kind];
  if (maker === undefined) return;
  const junk = maker({ ...parts, messageId: `"${nextId(em)}"` }, ev, rng);
  push(em, late, pending(key + rng.int(1, 5_000), junk.line + "\n", norm, junk.reason));
}

type JunkMaker = (p: Parts, ev: LogicalEvent, rng: Rng) => { line: string; reason: string };

const JUNK: Record<string, JunkMaker> = {
  malformed(p, _ev, rng) {
    const line = render(p);
    return { line: line.slice(0, rng.int(10, line.length - 2)), reason: "malformed" };
  },
  missing_required(p, ev, rng) {
    const r = rng.int(0, ev.type === "track" ? 2 : 1);
    if (r === 0) p.messageId = undefined;
    else if (r === 1) p.anon = p.user = undefined;
    else p.event = undefined;
    return { line: render(p), reason: "missing_required" };
  },
  invalid_type(p, ev, rng) {
    if (rng.chance(0.5)) p.messageId = String(rng.int(10_000, 99_999));
    else p.body = ev.type === "identify" ? `"traits":"oops"` : `"properties":"oops"`;
    return { line: render(p), reason: "invalid_type" };
  },
  invalid_value(p, _ev, rng) {
    const key = rng.pick(["__proto__", "constructor", "prototype"]);
    p.context = `{"library":{"name":"analytics.js","version":"5.2.0"},"${key}":{"isAdmin":true}}`;
    return { line: render(p), reason: "invalid_value" };
  },
  invalid_timestamp(p, _ev, rng) {
    p.ts = rng.pick(BAD_TIMESTAMPS);
    return { line: render(p), reason: "invalid_timestamp" };
  },
  future_timestamp(p, ev) {
    p.ts = `"2099-06-15T${new Date(ev.ts).toISOString().slice(11)}"`;
    return { line: render(p), reason: "future_timestamp" };
  },
  unsupported_type(p, _ev, rng) {
    p.type = `"${rng.pick(["alias", "screen", "group"])}"`;
    return { line: render(p), reason: "unsupported_type" };
  },
  too_large(p) {
    p.body = `${p.body.slice(0, -1)},${BLOB}}`;
    return { line: render(p), reason: "too_large" };
  },
};
