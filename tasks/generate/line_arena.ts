/**
 * Event lines as UTF-8 bytes in reusable slabs: a clean line is written once,
 * byte by byte, into the current slab and later copied into the file buffer,
 * so no line string, no chunk rope and no per-chunk encoding is made. A slab
 * is reused once every line in it has been written out.
 *
 * @module
 */

import type { TextSink } from "./sink.ts";

/** One block of line bytes. */
export interface LineSlab {
  bytes: Uint8Array;
  /** Where `bytes` starts in the arena's memory, or -1 for a slab of its own. */
  offset: number;
  /** Bytes handed out so far. */
  used: number;
  /** Lines in it not yet written out. */
  live: number;
}

/**
 * One memory block holding the file buffer (first `sinkBytes`) and the
 * slabs, so a line is copied into the buffer by `copyWithin` (no view, no
 * allocation); more slabs than fit are allocated on their own.
 */
export interface LineArena {
  memory: Uint8Array;
  /** The file buffer: `memory` up to `sinkBytes` (pass it to `openSink`). */
  sinkBuffer: Uint8Array;
  slab: LineSlab;
  free: LineSlab[];
  slabBytes: number;
}

/** Sizes of a line arena. */
export interface LineArenaSizes {
  sinkBytes: number;
  slabBytes: number;
  /** Slabs inside the shared memory block. */
  slabs: number;
}

/**
 * An arena of slabs (a line must fit in one) sharing memory with a file buffer.
 *
 * @example
 * ```ts
 * const arena = createLineArena();
 * const sink = await openSink("out/events.ndjson", arena.sinkBuffer);
 * ```
 */
export function createLineArena(
  sizes: LineArenaSizes = { sinkBytes: 4 << 20, slabBytes: 1 << 18, slabs: 8 },
): LineArena {
  const { sinkBytes, slabBytes, slabs } = sizes;
  const memory = new Uint8Array(sinkBytes + slabs * slabBytes);
  const free: LineSlab[] = [];
  for (let i = slabs - 1; i >= 0; i--) {
    const offset = sinkBytes + i * slabBytes;
    free.push({ bytes: memory.subarray(offset, offset + slabBytes), offset, used: 0, live: 0 });
  }
  const slab = free.pop() ?? { bytes: new Uint8Array(slabBytes), offset: -1, used: 0, live: 0 };
  return { memory, sinkBuffer: memory.subarray(0, sinkBytes), slab, free, slabBytes };
}

/**
 * The slab to write the next line into, with room for at least `maxBytes`
 * from its `used` offset; the caller writes, advances `used` and counts the
 * line in `live`.
 */
export function reserveLine(arena: LineArena, maxBytes: number): LineSlab {
  const slab = arena.slab;
  if (slab.used + maxBytes <= slab.bytes.length) return slab;
  if (maxBytes > arena.slabBytes) {
    throw new RangeError(`An event line of up to "${maxBytes}" bytes does not fit a slab`);
  }
  if (slab.live === 0) {
    slab.used = 0;
    return slab;
  }
  // The full slab goes back to `free` once its last line is written out.
  return arena.slab = arena.free.pop() ??
    { bytes: new Uint8Array(arena.slabBytes), offset: -1, used: 0, live: 0 };
}

/**
 * Appends the line `slab[start, end)` to the sink's buffer and marks it
 * written out; the caller keeps `sinkRoom()` large enough (it throws
 * otherwise).
 */
export function copyLine(
  arena: LineArena,
  sink: TextSink,
  line: { slab: LineSlab | undefined; start: number; end: number },
): void {
  const { slab, start, end } = line;
  if (slab === undefined) throw new RangeError("The line has no slab");
  if (end - start > sink.buffer.length - sink.used) {
    throw new RangeError(`A line of "${end - start}" bytes does not fit the sink's buffer`);
  }
  if (slab.offset >= 0 && sink.buffer === arena.sinkBuffer) {
    arena.memory.copyWithin(sink.used, slab.offset + start, slab.offset + end);
  } else {
    sink.buffer.set(slab.bytes.subarray(start, end), sink.used);
  }
  sink.used += end - start;
  if (--slab.live === 0 && slab !== arena.slab) {
    slab.used = 0;
    // Slabs of their own are left to the garbage collector.
    if (slab.offset >= 0) arena.free.push(slab);
  }
}

/** Writes the decimal digits of a non-negative integer at `pos`; returns the end. */
export function putUint(buf: Uint8Array, pos: number, n: number): number {
  let len = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
  let p = pos + len;
  while (n >= 10) {
    const q = Math.floor(n / 10);
    buf[--p] = 48 + n - q * 10;
    n = q;
  }
  buf[p - 1] = 48 + n;
  return pos + len;
}
