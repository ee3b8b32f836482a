/**
 * A buffered text file writer: text is encoded into one reusable buffer and
 * written when it fills, so a long NDJSON stream costs few syscalls, no
 * per-chunk allocations, and flat memory.
 *
 * @module
 */

const encoder = new TextEncoder();

/** An open file with its write buffer. */
export interface TextSink {
  file: Deno.FsFile;
  buffer: Uint8Array;
  used: number;
  /** Bytes written so far. */
  bytes: number;
}

/**
 * Opens (truncating) `path` for buffered writing.
 *
 * @example
 * ```ts
 * const sink = await openSink("out/events.ndjson");
 * await writeText(sink, "{}\n");
 * await closeSink(sink);
 * ```
 */
export async function openSink(
  path: string,
  buffer: number | Uint8Array = 4 << 20,
): Promise<TextSink> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const bytes = typeof buffer === "number" ? new Uint8Array(buffer) : buffer;
  return { file, buffer: bytes, used: 0, bytes: 0 };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/** Writes whatever is buffered. */
export async function flushSink(sink: TextSink): Promise<void> {
  if (sink.used === 0) return;
  await writeAll(sink.file, sink.buffer.subarray(0, sink.used));
  sink.bytes += sink.used;
  sink.used = 0;
}

/** Buffers `text` (UTF-8), writing the buffer out when it would overflow. */
export async function writeText(sink: TextSink, text: string): Promise<void> {
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
  if (sink.used + text.length * 3 > sink.buffer.length) await flushSink(sink);
  if (text.length * 3 > sink.buffer.length) {
    const bytes = encoder.encode(text);
    await writeAll(sink.file, bytes);
    sink.bytes += bytes.length;
    return;
  }
  sink.used += encoder.encodeInto(text, sink.buffer.subarray(sink.used)).written;
}

/** Bytes still free in the buffer (write out with `flushSink()` when low). */
export function sinkRoom(sink: TextSink): number {
  return sink.buffer.length - sink.used;
}

/**
 * Encodes `text` (UTF-8) into the buffer, synchronously; the
 * caller keeps `sinkRoom()` at 3 bytes per character at least (it throws
 * otherwise).
 */
export function bufferText(sink: TextSink, text: string): void {
  if (text.length * 3 > sink.buffer.length - sink.used) {
    throw new RangeError(`A text of "${text.length}" characters does not fit the sink's buffer`);
  }
  sink.used += encoder.encodeInto(text, sink.buffer.subarray(sink.used)).written;
}

/** Flushes and closes. */
export async function closeSink(sink: TextSink): Promise<void> {
  await flushSink(sink);
  sink.file.close();
}
