/**
 * Request bodies as byte-counted streams: `Content-Encoding: gzip` is
 * decompressed with a cap on the decompressed bytes, and every limit is
 * enforced while the bytes flow, so a body is never buffered past its limit.
 * (Hono's `bodyLimit` buffers chunked bodies; see shared/notes/platform.md.)
 *
 * @module
 */

import { HttpError } from "../../routes/errors.ts";

/** Options of {@link bodyStream}. */
export interface BodyStreamOptions {
  /** Most decompressed bytes accepted. */
  limit: number;
  /** What the limit is about, for the `413` message (e.g. `JSON request`). */
  what: string;
}

/** A `413` for a body over `limit`. */
export function tooLargeError(what: string, limit: number): HttpError {
  return new HttpError(413, "too_large", `${what} exceeds the limit of ${limit} bytes`);
}

/**
 * A pass-through that errors with a `413` as soon as more than `limit` bytes
 * went through it.
 */
export function byteCounter(limit: number, what: string): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) throw tooLargeError(what, limit);
      controller.enqueue(chunk);
    },
  });
}

/** The encoding of a request body: `identity` or `gzip`; anything else is a `415`. */
export function bodyEncoding(req: Request): "identity" | "gzip" {
  const header = (req.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (header === "" || header === "identity") return "identity";
  if (header === "gzip" || header === "x-gzip") return "gzip";
  throw new HttpError(
    415,
    "unsupported_encoding",
    `Content encoding "${header.slice(0, 40)}" is not accepted; use gzip or none`,
  );
}

/**
 * The decompressed, byte-counted body of `req`. A declared `Content-Length`
 * over the limit is refused before reading; otherwise the stream errors with
 * a `413` when the limit is passed, and with a `400` when gzip is corrupt or
 * truncated (see {@link readStreamError}).
 *
 * @example
 * ```ts
 * const stream = bodyStream(c.req.raw, { limit: config.limits.streamBytes, what: "NDJSON stream" });
 * ```
 */
export function bodyStream(req: Request, options: BodyStreamOptions): ReadableStream<Uint8Array> {
  const encoding = bodyEncoding(req);
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > options.limit) {
    throw tooLargeError(options.what, options.limit);
  }
  const body = req.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  const counted = body.pipeThrough(byteCounter(options.limit, options.what));
  if (encoding === "identity") return counted;
  return counted
    .pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    )
    .pipeThrough(byteCounter(options.limit, options.what));
}

/**
 * The HTTP error for an error raised while reading a body stream: limits
 * keep their `413`; a decompression failure is a `400`.
 */
export function readStreamError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof TypeError && /gzip|deflate|corrupt|checksum|buffer/i.test(err.message)) {
    return new HttpError(400, "malformed_body", "Gzip body is truncated or corrupt");
  }
  return new HttpError(400, "malformed_body", "Request body could not be read");
}

/**
 * Reads a whole (small) body into memory under its limit.
 *
 * @example
 * ```ts
 * const bytes = await readBody(c.req.raw, { limit: 512 * 1024, what: "JSON request" });
 * ```
 */
export async function readBody(req: Request, options: BodyStreamOptions): Promise<Uint8Array> {
  // A plain body with a declared length within the limit cannot grow past it
  // (HTTP frames it by that length): read it without a counting stream.
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (
    bodyEncoding(req) === "identity" && Number.isFinite(declared) && declared <= options.limit
  ) {
    try {
      return new Uint8Array(await req.arrayBuffer());
    } catch (err) {
      throw readStreamError(err);
    }
  }
  const stream = bodyStream(req, options);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      total += value.byteLength;
    }
  } catch (err) {
    throw readStreamError(err);
  } finally {
    reader.releaseLock();
  }
  return concatBytes(parts, total);
}

/**
 * Joins byte chunks whose lengths add up to `total` (a single chunk is
 * returned as is, not copied).
 *
 * @example
 * ```ts
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])], 3); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Iterates the chunks of a body stream, mapping stream errors to HTTP errors
 * (see {@link readStreamError}).
 */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    while (true) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (err) {
        throw readStreamError(err);
      }
      if (result.done) return;
      yield result.value;
    }
  } finally {
    reader.releaseLock();
  }
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const lenientDecoder = new TextDecoder("utf-8");

/**
 * Decodes UTF-8 strictly (a BOM is dropped); `null` when the bytes are not
 * valid UTF-8.
 *
 * The lenient decoder is several times faster; it turns bad bytes into
 * U+FFFD, so only a text holding U+FFFD (bad bytes, or a real U+FFFD) needs
 * the strict decoder's verdict.
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  const text = lenientDecoder.decode(bytes);
  if (!text.includes("\ufffd")) return text;
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The UTF-8 length of what {@link decodeUtf8} makes of valid UTF-8 `bytes`:
 * their length without a leading BOM, which decoding drops.
 */
export function decodedLength(bytes: Uint8Array): number {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bom ? bytes.length - 3 : bytes.length;
}

/** The UTF-8 byte length of a string, without encoding it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** The media type of a request, lower-cased, without parameters (`""` when absent). */
export function mediaType(req: Request): string {
  const header = req.headers.get("content-type") ?? "";
  return header.split(";")[0].trim().toLowerCase();
}
