/**
 * The dictionary of a text column chunk, keyed by the UTF-8 bytes of each
 * value: a value is written once at the end of the dictionary page, hashed
 * (FNV-1a) and looked up in an open-addressing table; a repeat is rolled
 * back. Keying a `Map` by the strings instead costs a string hash per fresh
 * string read from KV, measured 4–8× slower than this, and keeps the strings
 * alive for the whole row group.
 *
 * @module
 */

import { Bytes } from "./parquet_bytes.ts";

/** A dictionary of text values; its bytes are the PLAIN dictionary page. */
export class TextDictionary {
  /** Length-prefixed UTF-8 entries, the dictionary page as written. */
  readonly bytes = new Bytes();
  /** Entries so far. */
  size = 0;
  /** True when the last {@link TextDictionary.indexOf} added its value. */
  added = false;
  #starts = new Int32Array(256);
  #lengths = new Int32Array(256);
  #hashes = new Int32Array(256);
  /** Entry index + 1 per slot (0 = free); its length is a power of two. */
  #table = new Int32Array(1024);

  /** Empties the dictionary, keeping its buffers. */
  reset(): void {
    this.bytes.length = 0;
    this.size = 0;
    this.#table.fill(0);
  }

  /** Byte offset of entry `i`'s UTF-8 bytes (after its length prefix). */
  start(i: number): number {
    return this.#starts[i];
  }

  /** UTF-8 byte length of entry `i`. */
  length(i: number): number {
    return this.#lengths[i];
  }

  /** The index of `text`, added at the end when it is new (see `added`). */
  indexOf(text: string): number {
    const bytes = this.bytes;
    const prefixAt = bytes.length;
    bytes.u32(0);
    const start = bytes.length;
    const n = bytes.utf8(text);
    const buf = bytes.buf;
    let h = 0x811c9dc5;
    for (let k = start; k < start + n; k++) h = Math.imul(h ^ buf[k], 0x01000193);
    const table = this.#table;
    const mask = table.length - 1;
    let slot = h & mask;
    while (true) {
      const e = table[slot] - 1;
      if (e < 0) break;
      if (this.#hashes[e] === h && this.#lengths[e] === n && same(buf, this.#starts[e], start, n)) {
        bytes.length = prefixAt;
        this.added = false;
        return e;
      }
      slot = (slot + 1) & mask;
    }
    const index = this.size++;
    if (index === this.#starts.length) {
      this.#starts = grow(this.#starts);
      this.#lengths = grow(this.#lengths);
      this.#hashes = grow(this.#hashes);
    }
    this.#starts[index] = start;
    this.#lengths[index] = n;
    this.#hashes[index] = h;
    bytes.view.setUint32(prefixAt, n, true);
    table[slot] = index + 1;
    if (this.size * 2 > table.length) this.#rehash();
    this.added = true;
    return index;
  }

  #rehash(): void {
    const table = new Int32Array(this.#table.length * 2);
    const mask = table.length - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = this.#hashes[e] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = e + 1;
    }
    this.#table = table;
  }
}

function same(buf: Uint8Array, a: number, b: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}
