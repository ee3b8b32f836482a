/**
 * A buffered text file writer: text is encoded into one reusable buffer and
 * written when it fills, so a long NDJSON stream costs few syscalls, no
 * per-chunk allocations, and flat memory.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Bytes after the buffer where `appendText` encodes a short text before moving it in place. */
const SCRATCH_BYTES = 64 << 10;

/** An open file with its write buffer. */
export interface TextSink {
  file: Deno.FsFile;
  /** `capacity` bytes of buffer, then the scratch area. */
  buffer: Uint8Array;
  capacity: number;
  /** A fixed view of the scratch area (encoding into it allocates nothing). */
  scratch: Uint8Array;
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
export async function openSink(path: string, bufferBytes = 4 << 20): Promise<TextSink> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const buffer = new Uint8Array(bufferBytes + SCRATCH_BYTES);
  return {
    file,
    buffer,
    capacity: bufferBytes,
    scratch: buffer.subarray(bufferBytes),
    used: 0,
    bytes: 0,
  };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

/** Writes whatever is buffered. */
export async function flushSink(sink: TextSink): Promise<void> {
  if (sink.used === 0) return;
  await writeAll(sink.file, sink.buffer.subarray(0, sink.used));
  sink.bytes += sink.used;
  sink.used = 0;
}

function flushSinkSync(sink: TextSink): void {
  if (sink.used === 0) return;
  writeAllSync(sink.file, sink.buffer.subarray(0, sink.used));
  sink.bytes += sink.used;
  sink.used = 0;
}

/** Buffers `text` (UTF-8), writing the buffer out when it would overflow. */
export async function writeText(sink: TextSink, text: string): Promise<void> {
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
  if (sink.used + text.length * 3 > sink.capacity) await flushSink(sink);
  if (text.length * 3 > sink.capacity) {
    const bytes = encoder.encode(text);
    await writeAll(sink.file, bytes);
    sink.bytes += bytes.length;
    return;
  }
  sink.used += encoder.encodeInto(text, sink.buffer.subarray(sink.used)).written;
}

/**
 * Buffers `text` (UTF-8) synchronously, writing the buffer out (blocking)
 * when it would overflow. A short text is encoded into the scratch area and
 * moved in place, so a stream of lines allocates nothing per line.
 *
 * @example
 * ```ts
 * appendText(sink, '{"type":"page"}\n');
 * ```
 */
export function appendText(sink: TextSink, text: string): void {
  const most = text.length * 3;
  if (sink.used + most > sink.capacity) flushSinkSync(sink);
  if (most <= SCRATCH_BYTES) {
    const n = encoder.encodeInto(text, sink.scratch).written;
    sink.buffer.copyWithin(sink.used, sink.capacity, sink.capacity + n);
    sink.used += n;
  } else if (most <= sink.capacity) {
    sink.used += encoder.encodeInto(text, sink.buffer.subarray(sink.used)).written;
  } else {
    const bytes = encoder.encode(text);
    writeAllSync(sink.file, bytes);
    sink.bytes += bytes.length;
  }
}

/** Flushes and closes. */
export async function closeSink(sink: TextSink): Promise<void> {
  await flushSink(sink);
  sink.file.close();
}
