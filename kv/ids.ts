/**
 * Sortable ids for KV keys.
 *
 * @module
 */

const MAX_MS = 2 ** 48 - 1;
let lastMs = 0;
let counter = 0;

function pad(n: number, width: number): string {
  return n.toString(36).padStart(width, "0");
}

function randomPart(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  let s = "";
  for (const b of bytes) s += pad(b, 2);
  return s;
}

const MAX_COUNTER = 36 ** 4 - 1;

/** Per-process sequence within one millisecond, so ids of one process never tie. */
function tick(nowMs: number): number {
  if (nowMs === lastMs) counter++;
  else {
    lastMs = nowMs;
    counter = 0;
  }
  return counter;
}

/**
 * A time-ordered id: milliseconds, a per-process counter, and randomness, so
 * ids from one process sort in creation order and ids from several processes
 * never collide.
 *
 * @example
 * ```ts
 * oldestFirstId(Date.now()) < oldestFirstId(Date.now() + 1); // true
 * ```
 */
export function oldestFirstId(nowMs: number = Date.now()): string {
  return `${pad(nowMs, 10)}${pad(tick(nowMs), 4)}${randomPart()}`;
}

/**
 * A time-ordered id that sorts newest first (for quarantine, alerts and job
 * runs), also among ids of one process made in the same millisecond.
 */
export function newestFirstId(nowMs: number = Date.now()): string {
  return `${pad(MAX_MS - nowMs, 10)}${pad(MAX_COUNTER - tick(nowMs), 4)}${randomPart()}`;
}

/** The time encoded in an id made by {@link oldestFirstId}. */
export function timeOfOldestFirstId(id: string): number {
  return parseInt(id.slice(0, 10), 36);
}

/** The time encoded in an id made by {@link newestFirstId}. */
export function timeOfNewestFirstId(id: string): number {
  return MAX_MS - parseInt(id.slice(0, 10), 36);
}

/** Number of shards bronze and silver events are spread over. Fixed: changing it needs a rebuild. */
export const EVENT_SHARDS = 8;

/**
 * The shard of a person: FNV-1a of the person id, modulo {@link EVENT_SHARDS},
 * so every event of one person is processed by the worker that owns its state.
 */
export function shardOf(person: string, shards: number = EVENT_SHARDS): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < person.length; i++) {
    h ^= person.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
