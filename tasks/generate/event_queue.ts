/**
 * The order of `events.ndjson`: a small min-heap that releases event lines
 * in time order as soon as no later visit can produce an earlier one, plus
 * the late lines held back for a later day. Lines live for minutes of
 * simulated time instead of a whole day, which keeps memory and garbage
 * collection flat.
 *
 * @module
 */

import type { LineSlab } from "./line_arena.ts";
import type { NormEvent } from "./records.ts";

/**
 * A line waiting for its place in `events.ndjson`, carrying the normalised
 * event it stands for (or, with `reason`, why it is quarantined).
 */
export interface PendingEvent extends NormEvent {
  /** Position key: event time, or a random time of its later day for late lines. */
  key: number;
  /** Insertion number: ties of `key` keep insertion order. */
  seq: number;
  /** The line as written, its newline included; `""` when it is in `slab`. */
  line: string;
  /** The slab holding the line's UTF-8 bytes, `start` to `end` (clean lines of an arena). */
  slab: LineSlab | undefined;
  start: number;
  end: number;
  /** Quarantine reason code; the event fields are then meaningless. */
  reason?: string;
  /**
   * The number n of a message id `msg_<tag>_<n>` when `messageId` was left
   * empty (clean lines of an arena: the answer key reads n, no id string is
   * made), else -1.
   */
  idSeq: number;
  /** A hint for the answer key's person lookup (`personHint()`), or -1. */
  personHint: number;
}

/**
 * The hint of a line by the model's person index: one per person and id kind
 * (with or without `userId`), so a converter's two identities differ.
 */
export function personHint(person: number | undefined, userId: string | undefined): number {
  return person === undefined ? -1 : person * 2 + (userId === undefined ? 0 : 1);
}

/** Lines not yet written. */
export interface EventQueue {
  heap: PendingEvent[];
  seq: number;
  /** Late lines by the day of the chunk they are written in. */
  later: Map<number, PendingEvent[]>;
}

/** An empty queue. */
export function createEventQueue(): EventQueue {
  return { heap: [], seq: 0, later: new Map() };
}

function before(a: PendingEvent, b: PendingEvent): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}

/** Queues a line for release in key order. */
export function enqueue(q: EventQueue, e: PendingEvent): void {
  e.seq = q.seq++;
  const h = q.heap;
  let i = h.length;
  h.push(e);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!before(e, h[p])) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = e;
}

/** Holds a late line back until `day` opens. */
export function enqueueLater(q: EventQueue, day: number, e: PendingEvent): void {
  let list = q.later.get(day);
  if (!list) q.later.set(day, list = []);
  list.push(e);
}

/** Releases the late lines of `day` into the heap (call when the day starts). */
export function openDay(q: EventQueue, day: number): void {
  for (const e of q.later.get(day) ?? []) enqueue(q, e);
  q.later.delete(day);
}

function pop(q: EventQueue): PendingEvent {
  const h = q.heap;
  const top = h[0];
  const last = h.pop()!;
  if (h.length > 0) {
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r], h[l]) ? r : l;
      if (!before(h[c], last)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }
  return top;
}

/**
 * The next line in order if its key is below `upTo`, else `undefined`.
 *
 * @example
 * ```ts
 * for (let e = next(queue, visitStartMs); e; e = next(queue, visitStartMs)) write(e.line);
 * ```
 */
export function next(q: EventQueue, upTo: number): PendingEvent | undefined {
  return q.heap.length > 0 && q.heap[0].key < upTo ? pop(q) : undefined;
}

/** Lines still waiting. */
export function queuedCount(q: EventQueue): number {
  let n = q.heap.length;
  for (const list of q.later.values()) n += list.length;
  return n;
}
