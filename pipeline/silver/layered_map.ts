/**
 * A map that reads through to a base map and keeps its own writes, so that a
 * dry run can work on top of a drain's state without changing it.
 *
 * @module
 */

/** A map that reads through to a base map and keeps its own writes (for dry runs). */
export class LayeredMap<V> {
  readonly #own = new Map<string, V>();
  constructor(readonly base?: LayeredMap<V>) {}

  /** Whether the key is known here or in the base. */
  has(key: string): boolean {
    return this.#own.has(key) || (this.base?.has(key) ?? false);
  }

  /** The value here, else in the base. */
  get(key: string): V | undefined {
    return this.#own.has(key) ? this.#own.get(key) : this.base?.get(key);
  }

  /** Sets the value in this layer only. */
  set(key: string, value: V): void {
    this.#own.set(key, value);
  }

  /** Entries held by this layer (not the base). */
  get size(): number {
    return this.#own.size;
  }
}
