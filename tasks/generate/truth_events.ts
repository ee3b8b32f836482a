/**
 * The answer key for events: an ideal pipeline over the normalised records,
 * in file order. It drops quarantined records and repeated `messageId`s
 * itself, then keeps, per bucket, each person's step mask, so that the
 * funnel, cart and person counts follow the definitions of kpis.md literally.
 * Day and week buckets are closed once no later line can reach them, which
 * keeps memory flat as the range grows.
 *
 * @module
 */

import { DAY_MS, dayString, mondayOf, monthIndex } from "./calendar.ts";
import type { NormEvent } from "./records.ts";
import { markSeen, markSeenSeq } from "./truth_event_ids.ts";
import type { EventKpis } from "../../pipeline/read/types.ts";

/** The funnel steps S1–S4 of kpis.md. */
export const FUNNEL = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"];
const FUNNEL_LOWER = FUNNEL.map((s) => s.toLowerCase());

export type { EventKpis };

/** The figures of one event bucket (day, week, month or all). */
export interface BucketStats {
  events: number;
  pageViews: number;
  /** By person number: bit 0 any event, bits 1–4 funnel steps (0: not seen in the bucket). */
  masks: Uint8Array;
  /** Persons with a non-zero mask. */
  persons: number;
}

/** Quality figures of one source file or stream. */
export interface QualityFigures {
  received: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  updates: number;
  quarantined_by_reason: Record<string, number>;
  warnings_by_field: Record<string, number>;
}

/** The running event answer key. */
export interface EventTally {
  /** Person keys by person number (to check a lookup hint). */
  keys: string[];
  /** Person number + 1 by lookup hint, 0 when unknown. */
  hints: Int32Array;
  /** `msg_<tag>_`: ids of this form are tracked in a bitset, others in a set. */
  idPrefix: string;
  seenSeq: Uint8Array;
  seenOther: Set<string>;
  persons: Map<string, number>;
  /** Per person: earliest event day, and the Mondays of the weeks they were active. */
  firstDay: number[];
  activeWeeks: Set<number>[];
  days: Map<number, BucketStats>;
  weeks: Map<number, BucketStats>;
  months: Map<number, BucketStats>;
  all: BucketStats;
  closed: Map<string, EventKpis>;
  /** Accepted `Order Completed` events: order id and event day. */
  completed: { orderId: string; day: number }[];
  quality: QualityFigures;
  /** The buckets of the last line's day. */
  cache: { day: number; stats: BucketStats[] };
  /**
   * Per person: the day and step mask last recorded in its day bucket. The
   * week, month and "all" masks always contain the day's, so an event whose
   * bits the day mask already has only counts (no map updates).
   */
  maskDay: number[];
  mask: number[];
  /** Per person: the Monday last added to `activeWeeks`. */
  lastWeek: number[];
}

/** An empty quality record. */
export function emptyQuality(): QualityFigures {
  return {
    received: 0,
    accepted: 0,
    quarantined: 0,
    duplicates: 0,
    updates: 0,
    quarantined_by_reason: {},
    warnings_by_field: {},
  };
}

/** An empty bucket. */
export function newStats(): BucketStats {
  return { events: 0, pageViews: 0, masks: new Uint8Array(256), persons: 0 };
}

/**
 * A new event tally for message ids of the form `msg_<tag>_<n>` (others still work).
 *
 * @example
 * ```ts
 * const t = createEventTally("a1b2c3");
 * ```
 */
export function createEventTally(tag: string): EventTally {
  return {
    keys: [],
    hints: new Int32Array(1024),
    idPrefix: `msg_${tag}_`,
    seenSeq: new Uint8Array(1 << 16),
    seenOther: new Set(),
    persons: new Map(),
    firstDay: [],
    activeWeeks: [],
    days: new Map(),
    weeks: new Map(),
    months: new Map(),
    all: newStats(),
    closed: new Map(),
    completed: [],
    quality: emptyQuality(),
    cache: { day: Number.NaN, stats: [] },
    maskDay: [],
    mask: [],
    lastWeek: [],
  };
}

function bump(map: Map<number, BucketStats>, key: number): BucketStats {
  let s = map.get(key);
  if (!s) map.set(key, s = newStats());
  return s;
}

/** Funnel step (1–4) of a track event name, 0 for others; cached by name. */
const STEP_OF = new Map<string, number>();

function stepOf(event: string): number {
  let step = STEP_OF.get(event);
  if (step === undefined) {
    step = FUNNEL_LOWER.indexOf(event.trim().toLowerCase()) + 1;
    // Names are few (the funnel's, their dirty spellings, a handful of others); the cap keeps
    // memory bounded whatever a caller passes.
    if (STEP_OF.size < 4096) STEP_OF.set(event, step);
  }
  return step;
}

/**
 * A line as the answer key reads it: the normalised event, optionally with
 * its message id as the number n of `msg_<tag>_<n>` (`idSeq` ≥ 0; then
 * `messageId` is not read) and a hint for the person lookup (any number ≥ 0
 * that is usually the same for the same person, or -1; a wrong hint only
 * costs a lookup).
 */
export interface TalliedEvent extends NormEvent {
  idSeq?: number;
  personHint?: number;
}

/**
 * Reads one line of `events.ndjson`, in file order: the event it stands for,
 * or the reason it is quarantined.
 *
 * @example
 * ```ts
 * tallyEvent(t, { messageId: "m1", type: "page", anonymousId: "a1", ts: 0 });
 * ```
 */
export function tallyEvent(t: EventTally, ev: TalliedEvent, reason?: string): void {
  const q = t.quality;
  q.received++;
  if (reason !== undefined) {
    q.quarantined++;
    q.quarantined_by_reason[reason] = (q.quarantined_by_reason[reason] ?? 0) + 1;
    return;
  }
  const idSeq = ev.idSeq ?? -1;
  // Past nine digits markSeen() keeps ids in the set, so the number takes the same path.
  const fresh = idSeq < 0
    ? markSeen(t, ev.messageId)
    : idSeq <= 999_999_999
    ? markSeenSeq(t, idSeq)
    : markSeen(t, `${t.idPrefix}${idSeq}`);
  if (!fresh) {
    q.duplicates++;
    return;
  }
  q.accepted++;
  const key = ev.userId ?? ev.anonymousId!;
  // The hint usually finds the person without hashing the key; the key check keeps it exact.
  const hint = ev.personHint ?? -1;
  let person = hint >= 0 && hint < t.hints.length ? t.hints[hint] - 1 : -1;
  if (person < 0 || t.keys[person] !== key) {
    person = t.persons.get(key) ?? -1;
    if (person < 0) {
      person = t.persons.size;
      t.persons.set(key, person);
      t.keys.push(key);
      t.firstDay.push(Infinity);
      t.activeWeeks.push(new Set());
      t.maskDay.push(Number.NaN);
      t.mask.push(0);
      t.lastWeek.push(Number.NaN);
    }
    if (hint >= 0) {
      if (hint >= t.hints.length) {
        const grown = new Int32Array(Math.max(hint + 1, t.hints.length * 2));
        grown.set(t.hints);
        t.hints = grown;
      }
      t.hints[hint] = person + 1;
    }
  }
  const step = ev.type === "track" ? stepOf(ev.event!) : 0;
  const bits = 1 | (step > 0 ? 1 << step : 0);
  const page = ev.type === "page";
  const day = Math.floor(ev.ts / DAY_MS);
  const c = t.cache;
  if (c.day !== day) {
    // Consecutive lines mostly share a day: look its buckets up once.
    if (t.closed.has(dayString(day))) {
      throw new Error(`An event of "${dayString(day)}" came after its day was closed`);
    }
    c.day = day;
    c.stats = [
      bump(t.days, day),
      bump(t.weeks, mondayOf(day)),
      bump(t.months, monthIndex(day)),
      t.all,
    ];
  }
  const stats = c.stats;
  for (let i = 0; i < 4; i++) {
    const s = stats[i];
    s.events++;
    if (page) s.pageViews++;
  }
  if (t.maskDay[person] !== day || (t.mask[person] & bits) !== bits) {
    let dayMask = 0;
    for (let i = 0; i < 4; i++) {
      // A byte per person instead of a map entry: no hashing, no map growth to collect.
      const s = stats[i];
      let masks = s.masks;
      if (person >= masks.length) {
        masks = new Uint8Array(Math.max(person + 1, masks.length * 2));
        masks.set(s.masks);
        s.masks = masks;
      }
      const before = masks[person];
      if (before === 0) s.persons++;
      const mask = before | bits;
      masks[person] = mask;
      if (i === 0) dayMask = mask;
    }
    t.maskDay[person] = day;
    t.mask[person] = dayMask;
    if (day < t.firstDay[person]) t.firstDay[person] = day;
    const monday = mondayOf(day);
    if (t.lastWeek[person] !== monday) {
      t.lastWeek[person] = monday;
      t.activeWeeks[person].add(monday);
    }
  }
  if (step === 4 && ev.orderId !== undefined) t.completed.push({ orderId: ev.orderId, day });
}
