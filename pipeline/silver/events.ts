/**
 * Silver state of persons and how one event changes it, as counter deltas.
 *
 * Per person: `silverPerson(p)` = {@link PersonState} (earliest event time and
 * active ISO weeks, for retention, and the step mask of the `all` bucket); per
 * person and year: `silverPersonMasks(p, year)` = per day, ISO week and month
 * bucket of that year a step mask (bit 0 any event, bits 1–4 funnel steps
 * S1–S4). Every event counter follows from the difference between a mask's old
 * and new value, so the counters are a function of the set of events only,
 * whatever their order (masks are ORs, the cohort is a minimum).
 *
 * @module
 */

import type { CleanEvent } from "../contracts/types.ts";
import { ALL_BUCKET, isoWeekDiff } from "../contracts/mod.ts";
import {
  goldCounter,
  goldRetention,
  silverOrderEvent,
  silverOrderEventByDay,
  silverPerson,
  silverPersonMasks,
} from "../../kv/keys.ts";
import { bucketPart, bucketsOfTime, VIEW } from "../gold/metrics.ts";
import type { WriteSet } from "../jobs/write_set.ts";

/** A person's silver record. */
export interface PersonState {
  /** Earliest event time seen, epoch ms; the cohort is its ISO week. */
  first: number;
  /** ISO weeks with ≥ 1 event, ascending. */
  weeks: string[];
  /**
   * Step mask of the `all` bucket. Records written before it moved here lack
   * it; their mask is in `silverPersonMasks(p, "all")` until the record is
   * next written.
   */
  mask?: number;
}

const ANY = 1;
const S1 = 2;
const S2 = 4;
const S3 = 8;
const S4 = 16;

/** The event counters a person contributes to a bucket with step mask `m` (0 or 1 each). */
export function maskContribution(m: number): Record<string, number> {
  return {
    persons: m & ANY ? 1 : 0,
    funnel_1: m & S1 ? 1 : 0,
    funnel_2: (m & (S1 | S2)) === (S1 | S2) ? 1 : 0,
    funnel_3: (m & (S1 | S2 | S3)) === (S1 | S2 | S3) ? 1 : 0,
    funnel_4: (m & (S1 | S2 | S3 | S4)) === (S1 | S2 | S3 | S4) ? 1 : 0,
    cart_persons: m & S2 ? 1 : 0,
    cart_abandoned_persons: m & S2 && !(m & S4) ? 1 : 0,
  };
}

/** The counters a step mask contributes to, in {@link CONTRIBUTIONS} order. */
const MASK_METRICS = Object.keys(maskContribution(0));

/** {@link maskContribution} of every mask (0–31) as numbers in {@link MASK_METRICS} order. */
const CONTRIBUTIONS: number[][] = Array.from(
  { length: 32 },
  (_, m) => MASK_METRICS.map((k) => maskContribution(m)[k]),
);

/** The mask bits of one event. */
export function eventBits(step: number): number {
  return step >= 1 && step <= 4 ? ANY | (1 << step) : ANY;
}

/** Upper bound of the mutations one event can add to a batch (for commit budgets). */
export function eventMutationBound(weeksOfPerson: number): number {
  // silver set + bronze delete + person + 3 mask records + an older `all`
  // record's delete + 4 buckets × 9 counters + 4 dirty marks + retention dirty
  // + 2 × retention cells + 2 order-event sums
  return 2 + 5 + 36 + 5 + 2 * (weeksOfPerson + 1) + 2;
}

function recordId(person: string, part: string): string {
  return `${person}\u0001${part}`;
}

/** Adds to `ws` the counter changes of a person's mask in `bucket` going from `old` to `next`. */
function countMaskChange(ws: WriteSet, bucket: string, old: number, next: number): void {
  const before = CONTRIBUTIONS[old];
  const after = CONTRIBUTIONS[next];
  for (let i = 0; i < MASK_METRICS.length; i++) {
    const d = after[i] - before[i];
    if (d !== 0) ws.counters.add(goldCounter(MASK_METRICS[i], bucket), d);
  }
}

/**
 * Loaded person state of one batch. Holds what was read from KV and what the
 * batch changed; every change is also written to the batch's {@link WriteSet}.
 */
export class EventState {
  readonly persons = new Map<string, PersonState | null>();
  /** Mask records by `person \u0001 part` (the `all` bucket's mask is in the person). */
  readonly masks = new Map<string, Record<string, number>>();
  /** Persons whose `all` mask is still in an older `silverPersonMasks(p, "all")` record. */
  #olderAll = new Set<string>();
  /**
   * Events and page views of the batch by day (the day's bucket tuple, shared
   * by every time of that day), added to the write set by {@link flush}: most
   * events only count, and one entry per day replaces a dozen per event.
   */
  #tally = new Map<readonly string[], { events: number; pages: number }>();

  /** Most mutations {@link flush} can still add (counters and dirty marks per tallied day). */
  get pendingMutations(): number {
    return this.#tally.size * 12;
  }

  /** Adds the tallied `events` and `page_views` counters and `events` dirty marks to `ws`. */
  flush(ws: WriteSet): void {
    for (const [buckets, t] of this.#tally) {
      for (const b of buckets) {
        ws.counters.add(goldCounter("events", b), t.events);
        if (t.pages > 0) ws.counters.add(goldCounter("page_views", b), t.pages);
        ws.dirty(VIEW.events, b);
      }
    }
    this.#tally.clear();
  }

  /** Entries held (persons and mask records). */
  get size(): number {
    return this.persons.size + this.masks.size;
  }

  /**
   * Keys to read before applying `events` (replays, on a cleared state): the
   * persons and the mask records of their events' years, in one round.
   */
  keysFor(events: Iterable<CleanEvent>): Deno.KvKey[] {
    return [...this.personKeysFor(events), ...this.maskKeysFor(events, true)];
  }

  /** Keys of the persons of `events` not held yet, without repeats. */
  personKeysFor(events: Iterable<CleanEvent>): Deno.KvKey[] {
    const keys: Deno.KvKey[] = [];
    for (const ev of events) {
      if (this.persons.has(ev.person)) continue;
      // Held as new until loaded, so a repeat in this batch is not read twice.
      this.persons.set(ev.person, null);
      keys.push(silverPerson(ev.person));
    }
    return keys;
  }

  /**
   * Keys of what `events` need beyond their persons, once those are loaded:
   * the mask records of their events' years not held yet, and the older `all`
   * record of a person whose record predates the mask it now holds. Mask
   * records are written in the same commit as their person's record, so a
   * new person has none: those are held as empty without a read (unless
   * `all`, when the persons are not loaded yet).
   */
  maskKeysFor(events: Iterable<CleanEvent>, all = false): Deno.KvKey[] {
    const keys: Deno.KvKey[] = [];
    for (const ev of events) {
      const person = this.persons.get(ev.person) ?? null;
      if (person && person.mask === undefined) {
        // Held with an empty mask until loaded, so it is not read twice.
        this.persons.set(ev.person, { ...person, mask: 0 });
        keys.push(silverPersonMasks(ev.person, ALL_BUCKET));
      }
      const buckets = bucketsOfTime(ev.ts);
      for (let i = 0; i < 3; i++) {
        const part = bucketPart(buckets[i]);
        const id = recordId(ev.person, part);
        if (this.masks.has(id)) continue;
        this.masks.set(id, {});
        if (person || all) keys.push(silverPersonMasks(ev.person, part));
      }
    }
    return keys;
  }

  /** Stores read entries (absent entries as empty state). */
  load(entries: Deno.KvEntryMaybe<unknown>[]): void {
    for (const e of entries) {
      const owner = e.key[2] as string;
      if (e.key[1] === "persons") {
        this.persons.set(owner, (e.value as PersonState | null) ?? null);
      } else if (e.key[3] === ALL_BUCKET) {
        const masks = e.value as Record<string, number> | null;
        const person = this.persons.get(owner);
        if (!person || !masks) continue;
        this.persons.set(owner, { ...person, mask: masks[ALL_BUCKET] ?? 0 });
        this.#olderAll.add(owner);
      } else {
        this.masks.set(
          recordId(owner, e.key[3] as string),
          (e.value as Record<string, number> | null) ?? {},
        );
      }
    }
  }

  /** Active weeks of a loaded person (0 when new). */
  weeksOf(person: string): number {
    return this.persons.get(person)?.weeks.length ?? 0;
  }

  /**
   * Applies one event: counters, masks, the person's cohort and active weeks,
   * retention cells, `Order Completed` indexes and dirty marks go to `ws`
   * (event and page-view counts once {@link flush} is called).
   */
  apply(ev: CleanEvent, ws: WriteSet): void {
    const buckets = bucketsOfTime(ev.ts);
    const bits = eventBits(ev.step);
    const t = this.#tally.get(buckets);
    const page = ev.type === "page" ? 1 : 0;
    if (t) {
      t.events++;
      t.pages += page;
    } else this.#tally.set(buckets, { events: 1, pages: page });
    // Day, week and month; the `all` bucket's mask is in the person record.
    for (let i = 0; i < 3; i++) {
      const b = buckets[i];
      const part = bucketPart(b);
      const id = recordId(ev.person, part);
      const held = this.masks.get(id);
      const old = held?.[b] ?? 0;
      const next = old | bits;
      if (next === old) continue;
      // A new record each time: the write set keeps the one it was given.
      const record = { ...held, [b]: next };
      this.masks.set(id, record);
      ws.set(silverPersonMasks(ev.person, part), record);
      countMaskChange(ws, b, old, next);
    }
    this.#applyPerson(ev, buckets[1], bits, ws);
    if (ev.step === 4 && ev.orderId) {
      ws.counters.add(silverOrderEvent(ev.orderId), 1);
      ws.counters.add(silverOrderEventByDay(buckets[0], ev.orderId), 1);
    }
  }

  #applyPerson(ev: CleanEvent, week: string, bits: number, ws: WriteSet): void {
    const old = this.persons.get(ev.person) ?? null;
    if (!old) {
      const state: PersonState = { first: ev.ts, weeks: [week], mask: bits };
      this.persons.set(ev.person, state);
      ws.set(silverPerson(ev.person), state);
      countMaskChange(ws, ALL_BUCKET, 0, bits);
      ws.counters.add(goldRetention(week, 0), 1);
      ws.dirty(VIEW.retention, "all");
      return;
    }
    const oldMask = old.mask ?? 0;
    const mask = oldMask | bits;
    if (mask !== oldMask) countMaskChange(ws, ALL_BUCKET, oldMask, mask);
    const oldCohort = bucketsOfTime(old.first)[1];
    const first = Math.min(old.first, ev.ts);
    const cohort = first === old.first ? oldCohort : bucketsOfTime(first)[1];
    const hasWeek = old.weeks.includes(week);
    if (first === old.first && hasWeek && mask === oldMask) return;
    const weeks = hasWeek ? old.weeks : [...old.weeks, week].sort();
    const state: PersonState = { first, weeks, mask };
    this.persons.set(ev.person, state);
    ws.set(silverPerson(ev.person), state);
    if (this.#olderAll.delete(ev.person)) ws.delete(silverPersonMasks(ev.person, ALL_BUCKET));
    if (cohort !== oldCohort) {
      for (const w of old.weeks) {
        ws.counters.add(goldRetention(oldCohort, isoWeekDiff(oldCohort, w)), -1);
      }
      for (const w of weeks) ws.counters.add(goldRetention(cohort, isoWeekDiff(cohort, w)), 1);
      ws.dirty(VIEW.retention, "all");
    } else if (!hasWeek) {
      ws.counters.add(goldRetention(cohort, isoWeekDiff(cohort, week)), 1);
      ws.dirty(VIEW.retention, "all");
    }
  }
}
