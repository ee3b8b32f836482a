/**
 * NDJSON framing: splits a byte stream into lines without ever holding more
 * than one line (capped) in memory.
 *
 * @module
 */

import { chunksOf, concatBytes } from "./body.ts";

/** One line of an NDJSON stream. */
export interface NdjsonLine {
  /** 1-based line number. */
  line: number;
  /** The line's bytes (without the line break), or its first `keepBytes` when too long. */
  bytes: Uint8Array;
  /** Full length of the line in bytes. */
  length: number;
  /** The line was longer than `maxLineBytes`; `bytes` holds only its start. */
  tooLong: boolean;
}

/** Options of {@link ndjsonLines}. */
export interface NdjsonOptions {
  /** Lines longer than this are reported `tooLong` and not buffered. */
  maxLineBytes: number;
  /** How much of a too-long line is kept (its raw form in quarantine). */
  keepBytes: number;
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/**
 * Yields the non-blank lines of an NDJSON byte stream with their line numbers
 * (blank lines are skipped but still counted). A trailing `\r` is removed.
 *
 * @example
 * ```ts
 * for await (const l of ndjsonLines(stream, { maxLineBytes: 32768, keepBytes: 16384 })) { ... }
 * ```
 */
export async function* ndjsonLines(
  stream: ReadableStream<Uint8Array>,
  options: NdjsonOptions,
): AsyncGenerator<NdjsonLine> {
  let parts: Uint8Array[] = [];
  let kept = 0;
  let length = 0;
  let line = 1;
  const finish = (): NdjsonLine | null => {
    let bytes = concatBytes(parts, kept);
    const tooLong = length > options.maxLineBytes;
    if (tooLong) bytes = bytes.subarray(0, options.keepBytes);
    if (!tooLong && bytes.byteLength > 0 && bytes[bytes.byteLength - 1] === 0x0d) {
      bytes = bytes.subarray(0, bytes.byteLength - 1);
    }
    const out = tooLong || !isBlank(bytes) ? { line, bytes, length, tooLong } : null;
    parts = [];
    kept = 0;
    length = 0;
    line++;
    return out;
  };
  const add = (piece: Uint8Array) => {
    length += piece.byteLength;
    if (kept > options.maxLineBytes) return;
    const room = options.maxLineBytes + 1 - kept;
    const part = piece.byteLength > room ? piece.subarray(0, room) : piece;
    parts.push(part);
    kept += part.byteLength;
  };
  for await (const chunk of chunksOf(stream)) {
    let start = 0;
    while (start < chunk.byteLength) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        add(chunk.subarray(start));
        break;
      }
      add(chunk.subarray(start, nl));
      start = nl + 1;
      const out = finish();
      if (out) yield out;
    }
  }
  if (length > 0) {
    const out = finish();
    if (out) yield out;
  }
}
