/**
 * How pending-delta records are stored. A record's entries share most of
 * their key (one partition: a bucket's counters, or customer-count records),
 * so the stored form keeps the shared key parts once and each entry flat:
 * about half the bytes to serialise, write and delete, for records that
 * otherwise outweigh the silver lines of the batches that write them.
 *
 * @module
 */

import type { PendingDeltas } from "./pending_deltas.ts";

/**
 * A pending-delta record as stored. `c` holds, per counter, the number of its
 * key parts after `base`, those parts, then the delta; `n` holds, per
 * count-record delta, the same key encoding, then the field, then the delta.
 * A string part or field is stored as its index in `s` (each string once), any
 * other key part wrapped in a one-element array.
 */
export interface StoredPendingDeltas {
  p?: string;
  /** Key parts every entry's key starts with. */
  base: Deno.KvKey;
  /** The strings of the entries' key parts and fields, each once. */
  s: string[];
  c: (number | [Deno.KvKeyPart])[];
  n: (number | [Deno.KvKeyPart])[];
  dirty: [string, string][];
}

/** A pending-delta record as listed: stored compactly, or in the full form of older stores. */
export type PendingRecord = PendingDeltas | StoredPendingDeltas;

/** Length of the longest prefix `key` shares with the first `n` parts of `base`. */
function sharedLength(base: Deno.KvKey, n: number, key: Deno.KvKey): number {
  let i = 0;
  while (i < n && i < key.length && key[i] === base[i]) i++;
  return i;
}

/** Writes key parts and fields into a flat entry list, strings as indexes into one table. */
class Interner {
  readonly strings: string[] = [];
  readonly #index = new Map<string, number>();

  part(p: Deno.KvKeyPart): number | [Deno.KvKeyPart] {
    if (typeof p !== "string") return [p];
    let i = this.#index.get(p);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(p);
      this.#index.set(p, i);
    }
    return i;
  }
}

/** The key part or field at `x` of a stored record with string table `s`. */
function partOf(s: string[], x: number | [Deno.KvKeyPart]): Deno.KvKeyPart {
  return typeof x === "number" ? s[x] : x[0];
}

/**
 * The stored form of `record`.
 *
 * @example
 * ```ts
 * compactPending({ p: "x", counters: [[["gold", "sku", "all", "A", "units"], 2]], dirty: [] });
 * // { p: "x", base: ["gold", "sku", "all", "A", "units"], s: [], c: [0, 2], n: [], dirty: [] }
 * ```
 */
export function compactPending(record: PendingDeltas): StoredPendingDeltas {
  const keys: Deno.KvKey[] = record.counters.map(([key]) => key);
  for (const [key] of record.counts ?? []) keys.push(key);
  const base = keys[0] ?? [];
  let shared = base.length;
  for (const key of keys) shared = sharedLength(base, shared, key);
  const strings = new Interner();
  const c: (number | [Deno.KvKeyPart])[] = [];
  for (const [key, delta] of record.counters) {
    c.push(key.length - shared);
    for (let i = shared; i < key.length; i++) c.push(strings.part(key[i]));
    c.push(delta);
  }
  const n: (number | [Deno.KvKeyPart])[] = [];
  for (const [key, field, delta] of record.counts ?? []) {
    n.push(key.length - shared);
    for (let i = shared; i < key.length; i++) n.push(strings.part(key[i]));
    n.push(strings.part(field), delta);
  }
  const out: StoredPendingDeltas = {
    base: base.slice(0, shared),
    s: strings.strings,
    c,
    n,
    dirty: record.dirty,
  };
  if (record.p !== undefined) out.p = record.p;
  return out;
}

/**
 * The full form of a listed record, stored compactly or not.
 *
 * @example
 * ```ts
 * expandPending(compactPending(record)); // equal to record
 * ```
 */
export function expandPending(record: PendingRecord): PendingDeltas {
  if (!("base" in record)) return record;
  const { base, s, c, n } = record;
  const keyAt = (xs: (number | [Deno.KvKeyPart])[], i: number, k: number): Deno.KvKey => {
    const key = [...base];
    for (let j = i; j < i + k; j++) key.push(partOf(s, xs[j]));
    return key;
  };
  const counters: [Deno.KvKey, number][] = [];
  for (let i = 0; i < c.length;) {
    const k = c[i++] as number;
    counters.push([keyAt(c, i, k), c[i + k] as number]);
    i += k + 1;
  }
  const out: PendingDeltas = { counters, dirty: record.dirty };
  if (record.p !== undefined) out.p = record.p;
  if (n.length > 0) {
    const counts: [Deno.KvKey, string, number][] = [];
    for (let i = 0; i < n.length;) {
      const k = n[i++] as number;
      counts.push([keyAt(n, i, k), partOf(s, n[i + k]) as string, n[i + k + 1] as number]);
      i += k + 2;
    }
    out.counts = counts;
  }
  return out;
}
