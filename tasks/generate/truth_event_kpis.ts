/**
 * The event KPIs of the answer key from its buckets: closing day and week
 * buckets once no later line can reach them (memory stays flat), the funnel,
 * cart and person counts of each bucket, and the retention cohorts.
 *
 * @module
 */

import { dayString, isoWeekLabel, mondayOf, monthIndexLabel } from "./calendar.ts";
import {
  type BucketStats,
  type EventKpis,
  type EventTally,
  FUNNEL,
  newStats,
} from "./truth_events.ts";

function kpisOf(label: string, s: BucketStats): EventKpis {
  const reached = [0, 0, 0, 0];
  let cart = 0;
  let abandoned = 0;
  for (const mask of s.masks) {
    for (let k = 1; k <= 4; k++) {
      if ((mask & (1 << k)) === 0) break;
      reached[k - 1]++;
    }
    if (mask & 4) {
      cart++;
      if ((mask & 16) === 0) abandoned++;
    }
  }
  return {
    bucket: label,
    events: s.events,
    persons: s.persons,
    page_views: s.pageViews,
    funnel: { steps: [...FUNNEL], reached },
    cart_persons: cart,
    cart_abandoned_persons: abandoned,
  };
}

/**
 * Closes the day buckets before `day` and the week buckets that end before
 * it: callers promise no later line is timed in them.
 */
export function closeEventBuckets(t: EventTally, day: number): void {
  t.cache.day = Number.NaN;
  for (const [d, s] of t.days) {
    if (d < day) {
      t.closed.set(dayString(d), kpisOf(dayString(d), s));
      t.days.delete(d);
    }
  }
  for (const [m, s] of t.weeks) {
    if (m + 7 <= day) {
      t.closed.set(isoWeekLabel(m), kpisOf(isoWeekLabel(m), s));
      t.weeks.delete(m);
    }
  }
}

/** The event KPIs of a bucket label, zeros when it saw no event. */
export function eventKpisOf(t: EventTally, label: string): EventKpis {
  return t.closed.get(label) ?? kpisOf(label, newStats());
}

/** Closes every remaining bucket. */
export function closeAllEventBuckets(t: EventTally): void {
  closeEventBuckets(t, Infinity);
  for (const [m, s] of t.months) t.closed.set(monthIndexLabel(m), kpisOf(monthIndexLabel(m), s));
  t.months.clear();
  t.closed.set("all", kpisOf("all", t.all));
}

/**
 * Weekly retention cohorts: cohort = ISO week of a person's earliest event;
 * `active[k]` = persons of the cohort with an event in week c + k, for k up to
 * the latest week with any event.
 */
export function retentionOf(t: EventTally): { cohorts: { cohort: string; active: number[] }[] } {
  let latest = -Infinity;
  for (const weeks of t.activeWeeks) for (const w of weeks) if (w > latest) latest = w;
  const cohorts = new Map<number, number[]>();
  t.firstDay.forEach((first, person) => {
    const c = mondayOf(first);
    let row = cohorts.get(c);
    if (!row) cohorts.set(c, row = new Array((latest - c) / 7 + 1).fill(0));
    for (const w of t.activeWeeks[person]) row[(w - c) / 7]++;
  });
  return {
    cohorts: [...cohorts.keys()].sort((a, b) => a - b).map((c) => ({
      cohort: isoWeekLabel(c),
      active: cohorts.get(c)!,
    })),
  };
}
