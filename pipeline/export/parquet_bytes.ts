/**
 * Byte-level helpers of the Parquet encoder: a growable byte buffer that is
 * reused from row group to row group (so encoding a row group allocates next
 * to nothing), UTF-8 writing without a temporary array per string, and the
 * RLE/bit-packing hybrid of definition levels and dictionary indexes.
 *
 * @module
 */

const ENCODER = new TextEncoder();

/** A growable little-endian byte buffer; `length` is the number of bytes written. */
export class Bytes {
  /** The backing array (longer than `length`). */
  buf: Uint8Array<ArrayBuffer>;
  /** A view of `buf` for multi-byte numbers. */
  view: DataView<ArrayBuffer>;
  /** Bytes written. */
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** The bytes written, as a view (valid until the next write). */
  bytes(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.length);
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  i32(value: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  /** An INT64 from a safe integer, without a bigint. */
  i64(value: number): void {
    this.ensure(8);
    const high = Math.floor(value / 4294967296);
    this.view.setUint32(this.length, value - high * 4294967296, true);
    this.view.setInt32(this.length + 4, high, true);
    this.length += 8;
  }

  i64n(value: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.length, value, true);
    this.length += 8;
  }

  f64(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** An unsigned varint (values below 2^31). */
  varint(value: number): void {
    while (value > 0x7f) {
      this.u8((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    this.u8(value);
  }

  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Copies `count` bytes of `from` starting at `start`. */
  copyFrom(from: Bytes, start: number, count: number): void {
    this.ensure(count);
    this.buf.set(from.buf.subarray(start, start + count), this.length);
    this.length += count;
  }

  /**
   * Writes a string as UTF-8 and returns the byte count. ASCII, the common
   * case of ids and codes, is copied char by char; anything else goes
   * through `TextEncoder.encodeInto`, which writes lone surrogates as U+FFFD.
   */
  utf8(text: string): number {
    const n = text.length;
    this.ensure(n * 3);
    const buf = this.buf;
    const start = this.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        const { written } = ENCODER.encodeInto(text, buf.subarray(start));
        this.length = start + written;
        return written;
      }
      buf[start + i] = c;
    }
    this.length = start + n;
    return n;
  }
}

/**
 * Code point (= UTF-8 byte) order of two strings, the order Parquet requires
 * for BYTE_ARRAY statistics. JavaScript's `<` compares UTF-16 code units,
 * which misorders characters beyond U+FFFF against U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  // Step back to the start of a surrogate pair that differs in its low half.
  if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) i--;
  const x = codePoint(a, i);
  const y = codePoint(b, i);
  return x !== y ? x - y : a.length - b.length;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** The code point at `i`; a lone surrogate counts as U+FFFD, as TextEncoder writes it. */
function codePoint(s: string, i: number): number {
  const c = s.codePointAt(i) ?? 0xfffd;
  return c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
}

/**
 * Writes `count` values (each below 2^width) with the RLE/bit-packing hybrid
 * (no length prefix): runs of 8 or more equal values as RLE runs, the rest
 * as bit-packed groups of 8 (the last padded with zeros).
 */
export function writeHybrid(
  out: Bytes,
  values: ArrayLike<number>,
  count: number,
  width: number,
): void {
  const valueBytes = (width + 7) >> 3;
  let i = 0;
  let packedStart = 0;
  let packedGroups = 0;
  while (i < count) {
    const first = values[i];
    let run = 1;
    while (i + run < count && values[i + run] === first) run++;
    if (run >= 8) {
      if (packedGroups > 0) {
        writePacked(out, values, count, packedStart, packedGroups, width);
        packedGroups = 0;
      }
      out.varint(run * 2);
      for (let b = 0; b < valueBytes; b++) out.u8((first >>> (8 * b)) & 0xff);
      i += run;
    } else {
      if (packedGroups === 0) packedStart = i;
      packedGroups++;
      i += 8;
    }
  }
  if (packedGroups > 0) writePacked(out, values, count, packedStart, packedGroups, width);
}

function writePacked(
  out: Bytes,
  values: ArrayLike<number>,
  count: number,
  start: number,
  groups: number,
  width: number,
): void {
  out.varint(groups * 2 + 1);
  const total = groups * 8;
  out.ensure(groups * width);
  const buf = out.buf;
  let pos = out.length;
  let acc = 0;
  let bits = 0;
  for (let k = 0; k < total; k++) {
    const idx = start + k;
    const v = idx < count ? values[idx] : 0;
    // At most 7 pending bits plus a value of ≤ 24 bits (dictionaries are
    // capped far below 2^24 entries) fit in 32 bits.
    acc |= v << bits;
    bits += width;
    while (bits >= 8) {
      buf[pos++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) buf[pos++] = acc & 0xff;
  out.length = pos;
}
