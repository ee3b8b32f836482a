/**
 * Signed counters on `Deno.KvU64`.
 *
 * KV's `sum` adds modulo 2^64, so adding 2^64 − n subtracts n; reading back a
 * value ≥ 2^63 as negative gives ordinary signed arithmetic. Sums commute, so
 * workers on different shards update the same counter without conflicts.
 *
 * @module
 */

const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;

/**
 * Adds a signed delta to a counter inside an atomic operation. A zero delta
 * writes nothing.
 *
 * @example
 * ```ts
 * const op = kv.atomic();
 * addToCounter(op, ["gold", "counters", "all", "orders"], -1);
 * await op.commit();
 * ```
 */
export function addToCounter(op: Deno.AtomicOperation, key: Deno.KvKey, delta: number | bigint) {
  const d = BigInt(delta);
  if (d === 0n) return op;
  return op.sum(key, ((d % TWO_64) + TWO_64) % TWO_64);
}

/** Reads a counter value (a `Deno.KvU64` or absent) as a signed number. */
export function counterValue(value: unknown): number {
  if (!(value instanceof Deno.KvU64)) return 0;
  const v = value.value;
  return Number(v >= TWO_63 ? v - TWO_64 : v);
}

/**
 * Accumulates counter deltas in memory so a batch writes each counter once.
 *
 * @example
 * ```ts
 * const deltas = new CounterDeltas();
 * deltas.add(["gold", "counters", "all", "orders"], 1);
 * deltas.applyTo(kv.atomic()).commit();
 * ```
 */
export class CounterDeltas {
  #deltas = new Map<string, { key: Deno.KvKey; delta: bigint }>();

  /** Adds a signed delta to the counter at `key`. */
  add(key: Deno.KvKey, delta: number | bigint): void {
    const id = JSON.stringify(key);
    const entry = this.#deltas.get(id);
    if (entry) entry.delta += BigInt(delta);
    else this.#deltas.set(id, { key, delta: BigInt(delta) });
  }

  /** Number of distinct counters with a non-zero delta. */
  get size(): number {
    let n = 0;
    for (const e of this.#deltas.values()) if (e.delta !== 0n) n++;
    return n;
  }

  /** Adds every non-zero delta to an atomic operation. */
  applyTo(op: Deno.AtomicOperation): Deno.AtomicOperation {
    for (const { key, delta } of this.#deltas.values()) addToCounter(op, key, delta);
    return op;
  }

  /** Every counter with its delta, zero deltas included. */
  entries(): { key: Deno.KvKey; delta: bigint }[] {
    return [...this.#deltas.values()];
  }
}
