/**
 * Counter deltas of one batch, summed per key before they are written.
 *
 * @module
 */

import { addToCounter } from "../../kv/counters.ts";
import { keyId } from "./commit_size.ts";

/**
 * Counter deltas of one batch, by key identity. Unlike `CounterDeltas` its
 * size is kept as it grows (jobs ask for it after every record), and keys are
 * identified without JSON.
 */
export class BatchCounters {
  #deltas = new Map<string, { key: Deno.KvKey; delta: number }>();
  /** Called with each key when it is first added (a write set counts its records so). */
  onNewKey: ((key: Deno.KvKey) => void) | null = null;

  /** Adds a signed delta (a safe integer) to the counter at `key`. */
  add(key: Deno.KvKey, delta: number): void {
    this.addById(keyId(key), key, delta);
  }

  /** {@link add} for a key whose identity (`keyId(key)`) the caller already has. */
  addById(id: string, key: Deno.KvKey, delta: number): void {
    const entry = this.#deltas.get(id);
    if (entry) entry.delta += delta;
    else {
      this.#deltas.set(id, { key, delta });
      this.onNewKey?.(key);
    }
  }

  /** Whether a delta to the key of identity `id` is held. */
  hasId(id: string): boolean {
    return this.#deltas.has(id);
  }

  /** Whether a delta to `key` is held (a zero net delta included). */
  has(key: Deno.KvKey): boolean {
    return this.#deltas.has(keyId(key));
  }

  /** Counters touched (a zero net delta included: an upper bound of the sums written). */
  get size(): number {
    return this.#deltas.size;
  }

  /** Adds every non-zero delta to an atomic operation as a `sum`. */
  applyTo(op: Deno.AtomicOperation): void {
    for (const { key, delta } of this.#deltas.values()) {
      if (delta !== 0) addToCounter(op, key, delta);
    }
  }

  /** Every touched counter with its net delta. */
  entries(): { key: Deno.KvKey; delta: number }[] {
    return [...this.#deltas.values()];
  }

  /** Every touched counter with its key identity and net delta. */
  entriesWithIds(): { id: string; key: Deno.KvKey; delta: number }[] {
    return [...this.#deltas.entries()].map(([id, { key, delta }]) => ({ id, key, delta }));
  }

  /** Every touched counter with its net delta, ordered by key identity. */
  sortedEntries(): { key: Deno.KvKey; delta: number }[] {
    return [...this.#deltas.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map((e) => e[1]);
  }
}
