/**
 * Just enough of the ZIP format to vet a workbook before a parser touches it:
 * the central directory (names, flags, declared sizes, ZIP64 included) and the
 * actual inflated size of each entry, counted with a cap, so zip bombs and
 * lying size fields are caught cheaply.
 *
 * @module
 */

/** One file of a ZIP archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** General-purpose flags; bit 0 means encrypted. */
  flags: number;
  /** 0 stored, 8 deflate. */
  method: number;
  compressedSize: number;
  /** Declared uncompressed size. */
  size: number;
  /** Offset of the local file header. */
  localOffset: number;
}

/** Why an archive cannot be read. */
export class ZipError extends Error {
  override name = "ZipError";
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

/** Whether `bytes` start like a ZIP archive (a local header or an empty archive). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b &&
    (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

/**
 * Reads the central directory of a ZIP archive.
 *
 * @example
 * ```ts
 * const entries = readZipDirectory(bytes);
 * entries.find((e) => e.name === "xl/workbook.xml");
 * ```
 */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const min = Math.max(0, bytes.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= min; i--) {
    if (view.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("No ZIP end of central directory");
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) {
      throw new ZipError("ZIP64 locator is missing");
    }
    const z = u64(view, loc + 8);
    if (z + 56 > bytes.length || view.getUint32(z, true) !== ZIP64_EOCD_SIG) {
      throw new ZipError("ZIP64 end of central directory is missing");
    }
    count = u64(view, z + 32);
    dirSize = u64(view, z + 40);
    dirOffset = u64(view, z + 48);
  }
  if (dirOffset + dirSize > bytes.length) throw new ZipError("Central directory is out of bounds");
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let p = dirOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL_SIG) {
      throw new ZipError("Central directory entry is corrupt");
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen > bytes.length) {
      throw new ZipError("Entry name is out of bounds");
    }
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field: the 64-bit values, in order, for the fields set to 0xFFFFFFFF.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) {
          size = u64(view, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= e + 4 + len) {
          compressedSize = u64(view, q);
          q += 8;
        }
        if (localOffset === 0xffffffff && q + 8 <= e + 4 + len) localOffset = u64(view, q);
      }
      e += 4 + len;
    }
    entries.push({ name, flags, method, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The compressed bytes of an entry (after its local header). */
export function entryData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_SIG) {
    throw new ZipError(`Local header of "${entry.name}" is corrupt`);
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new ZipError(`Data of "${entry.name}" is out of bounds`);
  return bytes.subarray(start, end);
}

/** Thrown by {@link inflateEntry} when an entry inflates past its cap. */
export class InflateLimitError extends Error {
  override name = "InflateLimitError";
}

/**
 * Inflates one entry, stopping with {@link InflateLimitError} as soon as the
 * output passes `cap` bytes. Returns the bytes when `keep` is set, else only
 * counts them.
 */
export async function inflateEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  options: { cap: number; keep?: boolean },
): Promise<{ size: number; data?: Uint8Array }> {
  const data = entryData(bytes, entry);
  if (entry.method === 0) {
    if (data.byteLength > options.cap) throw new InflateLimitError(entry.name);
    return { size: data.byteLength, data: options.keep ? data : undefined };
  }
  if (entry.method !== 8) {
    throw new ZipError(`Entry "${entry.name}" uses compression ${entry.method}`);
  }
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(
      new DecompressionStream("deflate-raw") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    );
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > options.cap) {
        await reader.cancel().catch(() => {});
        throw new InflateLimitError(entry.name);
      }
      if (options.keep) parts.push(value);
    }
  } catch (err) {
    if (err instanceof InflateLimitError) throw err;
    throw new ZipError(`Entry "${entry.name}" is corrupt`);
  }
  if (!options.keep) return { size };
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return { size, data: out };
}
