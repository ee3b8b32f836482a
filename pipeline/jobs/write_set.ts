/**
 * The writes of one batch, collected in memory so that each key is written
 * once, and measured against Deno KV's limits of one atomic commit before it
 * is built (1,000 mutations, 80 KiB of keys, 800 KiB in total, 100 checks).
 *
 * @module
 */

import { BatchCounters } from "./batch_counters.ts";
import { COMMIT_BUDGET, keyId, keySize, valueSize } from "./commit_size.ts";
import { compactPending } from "./pending_codec.ts";
import {
  DEFERRED_PER_RECORD,
  type PendingDeltas,
  pendingRecordCount,
  pendingRecordValues,
} from "./pending_deltas.ts";

interface PendingWrite {
  key: Deno.KvKey;
  value?: unknown;
  delete: boolean;
  expireIn?: number;
  size: number;
  keySize: number;
}

/**
 * Sets, deletes, checks and counter sums of one batch. The last write to a key
 * wins; counter deltas to one key add up.
 *
 * @example
 * ```ts
 * const ws = new WriteSet();
 * ws.set(["silver", "events", 0, id], event);
 * ws.delete(["bronze", "events", 0, id]);
 * ws.counters.add(["gold", "counters", "all", "events"], 1);
 * await ws.toAtomic(kv).commit();
 * ```
 */
export class WriteSet {
  #writes = new Map<string, PendingWrite>();
  /** Writes of keys nothing else in this set touches (see {@link setOnce}). */
  #once: PendingWrite[] = [];
  #checks: Deno.AtomicCheck[] = [];
  #bytes = 0;
  #keyBytes = 0;
  #deferTo: ((part: number) => Deno.KvKey) | null = null;
  #records: { key: Deno.KvKey; value: PendingDeltas }[] = [];
  /** Gold counter deltas: `sum`s, or deferred to pending-delta records (see {@link deferCounters}). */
  readonly counters = new BatchCounters();
  /** Counter deltas always written as `sum`s in this commit (backlogs). */
  readonly sums = new BatchCounters();
  /** Dirty marks `[kind, id]` by identity. */
  readonly #dirty = new Map<string, [string, string]>();
  /** Deferred count-record deltas by key identity (see {@link addToCount}). */
  readonly #counts = new Map<string, { key: Deno.KvKey; fields: Map<string, number> }>();
  #countEntries = 0;
  /** Counter and count-record entries per partition (for the number of pending-delta records). */
  readonly #countsPerPartition = new Map<string, number>();
  /** Pending-delta records those entries fill (`pendingRecordCount` of the above). */
  #countRecords = 0;
  #partitionOf: (key: Deno.KvKey) => string = () => "";

  /** Sets `key` to `value`. */
  set(key: Deno.KvKey, value: unknown, options: { expireIn?: number; size?: number } = {}): void {
    const ks = keySize(key);
    this.#put({
      key,
      value,
      delete: false,
      expireIn: options.expireIn,
      size: (options.size ?? valueSize(value)) + ks,
      keySize: ks,
    });
  }

  /** Deletes `key`. */
  delete(key: Deno.KvKey): void {
    const ks = keySize(key);
    this.#put({ key, delete: true, size: ks, keySize: ks });
  }

  /**
   * Sets a key that no other write of this set touches, without the
   * bookkeeping that lets a later write replace an earlier one (jobs call it
   * for every record they move, e.g. a silver event). {@link has} does not
   * see it.
   */
  setOnce(key: Deno.KvKey, value: unknown, options: { size?: number } = {}): void {
    const ks = keySize(key);
    const size = (options.size ?? valueSize(value)) + ks;
    this.#once.push({ key, value, delete: false, size, keySize: ks });
    this.#bytes += size;
    this.#keyBytes += ks;
  }

  /** Deletes a key that no other write of this set touches (see {@link setOnce}). */
  deleteOnce(key: Deno.KvKey): void {
    const ks = keySize(key);
    this.#once.push({ key, delete: true, size: ks, keySize: ks });
    this.#bytes += ks;
    this.#keyBytes += ks;
  }

  /** Adds a versionstamp check. */
  check(check: Deno.AtomicCheck): void {
    this.#checks.push(check);
    this.#keyBytes += keySize(check.key);
  }

  /** Marks a view `kind`/`id` for recomputation (`metaDirty`). */
  dirty(kind: string, id: string): void {
    this.#dirty.set(`${kind}\u0001${id}`, [kind, id]);
  }

  /**
   * Writes `counters`, count deltas and dirty marks as pending-delta records
   * at `keyOf(0)`, `keyOf(1)`, … (`pendingRecordValues`: one partition per
   * record, by `partitionOf` of each key) instead of one `sum` or `set` per
   * key, for a later fold (`fold.ts`).
   */
  deferCounters(
    keyOf: (part: number) => Deno.KvKey,
    partitionOf: (key: Deno.KvKey) => string = () => "",
  ): void {
    this.#deferTo = keyOf;
    this.#partitionOf = partitionOf;
    // Counter entries fill records per partition too: counted as keys arrive.
    this.counters.onNewKey = (key) => this.#countEntry(key);
  }

  /** Whether gold counters, marks and count deltas go to pending-delta records. */
  get defers(): boolean {
    return this.#deferTo !== null;
  }

  /**
   * Adds `delta` to `field` of the count record at `key`, in a pending-delta
   * record (only with {@link deferCounters}): the fold applies it to the
   * record, so a record changed by many batches is written once per fold
   * commit instead of once per batch.
   */
  addToCount(key: Deno.KvKey, field: string, delta: number): void {
    if (!this.#deferTo) throw new Error("Count deltas need a deferring write set");
    const id = keyId(key);
    let entry = this.#counts.get(id);
    if (!entry) {
      entry = { key, fields: new Map() };
      this.#counts.set(id, entry);
    }
    const old = entry.fields.get(field);
    if (old === undefined) {
      this.#countEntries++;
      this.#countEntry(key);
    }
    entry.fields.set(field, (old ?? 0) + delta);
  }

  /** Counts one more entry of `key`'s partition (a new record every DEFERRED_PER_RECORD). */
  #countEntry(key: Deno.KvKey): void {
    const p = this.#partitionOf(key);
    const n = this.#countsPerPartition.get(p) ?? 0;
    this.#countsPerPartition.set(p, n + 1);
    if (n % DEFERRED_PER_RECORD === 0) this.#countRecords++;
  }

  #deferredRecords(): number {
    return pendingRecordCount([], this.#dirty.size) + this.#countRecords;
  }

  /**
   * The pending-delta records the last {@link toAtomic} built (with
   * {@link deferCounters}): once that commit landed, a job may fold them
   * without reading them back.
   */
  pendingRecords(): { key: Deno.KvKey; value: PendingDeltas }[] {
    return this.#records;
  }

  /** Dirty marks collected so far. */
  dirtyMarks(): [string, string][] {
    return [...this.#dirty.values()];
  }

  #put(w: PendingWrite): void {
    const id = keyId(w.key);
    const old = this.#writes.get(id);
    if (old) {
      this.#bytes -= old.size;
      this.#keyBytes -= old.keySize;
    }
    this.#writes.set(id, w);
    this.#bytes += w.size;
    this.#keyBytes += w.keySize;
  }

  /** Whether a pending set or delete exists for `key`. */
  has(key: Deno.KvKey): boolean {
    return this.#writes.has(keyId(key));
  }

  /** Mutations the commit will hold (counters and dirty marks included). */
  get mutations(): number {
    const gold = this.#deferTo ? this.#deferredRecords() : this.counters.size + this.#dirty.size;
    return this.#writes.size + this.#once.length + this.sums.size + gold;
  }

  /** Approximate bytes of keys. */
  get keyBytes(): number {
    const gold = this.#deferTo
      ? this.#deferredRecords() * 80
      : this.counters.size * 60 + this.#dirty.size * 40;
    return this.#keyBytes + this.sums.size * 60 + gold;
  }

  /** Approximate total bytes. */
  get bytes(): number {
    return this.#bytes + (this.counters.size + this.#countEntries) * 80 + this.#dirty.size * 60;
  }

  /** Number of checks. */
  get checks(): number {
    return this.#checks.length;
  }

  /**
   * Whether `extra` more mutations (and bytes) would still fit the budget.
   * Jobs ask before adding a record, with an upper bound of what it can add.
   */
  fits(extra: { mutations: number; bytes?: number; keyBytes?: number }): boolean {
    return this.mutations + extra.mutations <= COMMIT_BUDGET.mutations &&
      this.bytes + (extra.bytes ?? 0) <= COMMIT_BUDGET.bytes &&
      this.keyBytes + (extra.keyBytes ?? 0) <= COMMIT_BUDGET.keyBytes &&
      this.checks < COMMIT_BUDGET.checks;
  }

  /** Builds the atomic operation (the caller adds the lease fence and commits). */
  toAtomic(kv: Deno.Kv, dirtyKey: (kind: string, id: string) => Deno.KvKey): Deno.AtomicOperation {
    const op = kv.atomic();
    for (const c of this.#checks) op.check(c);
    for (const w of this.#once) {
      if (w.delete) op.delete(w.key);
      else op.set(w.key, w.value);
    }
    for (const w of this.#writes.values()) {
      if (w.delete) op.delete(w.key);
      else if (w.expireIn !== undefined) op.set(w.key, w.value, { expireIn: w.expireIn });
      else op.set(w.key, w.value);
    }
    this.sums.applyTo(op);
    if (this.#deferTo) {
      const counts = [];
      for (const [id, { key, fields }] of this.#counts) {
        for (const [field, delta] of fields) counts.push({ id, key, field, delta });
      }
      const values = pendingRecordValues(
        { counters: this.counters.entriesWithIds(), counts, dirty: [...this.#dirty.values()] },
        this.#partitionOf,
      );
      this.#records = values.map((value, part) => ({ key: this.#deferTo!(part), value }));
      for (const r of this.#records) op.set(r.key, compactPending(r.value));
      return op;
    }
    this.counters.applyTo(op);
    const now = Date.now();
    for (const [kind, id] of this.#dirty.values()) op.set(dirtyKey(kind, id), now);
    return op;
  }
}
