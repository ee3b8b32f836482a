/**
 * Write-key authentication of the ingest endpoints (shared/spec/api.md):
 * `Authorization: Basic base64(<key>:)` as Segment sends it, or
 * `Authorization: Bearer <key>`; keys are compared in constant time.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * The write key carried by an `Authorization` header, or `null` when there is
 * none or it is not Basic/Bearer. A Basic password, if any, is ignored.
 *
 * @example
 * ```ts
 * writeKeyFromHeader(`Basic ${btoa("wk_1:")}`); // "wk_1"
 * writeKeyFromHeader("Bearer wk_1"); // "wk_1"
 * ```
 */
export function writeKeyFromHeader(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^\s*(basic|bearer)\s+(\S+)\s*$/i.exec(header);
  if (!match) return null;
  if (match[1].toLowerCase() === "bearer") return match[2];
  let decoded: string;
  try {
    decoded = atob(match[2]);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key.length > 0 ? key : null;
}

/**
 * Constant-time equality of two byte strings: the time depends on the longer
 * length only, never on where they differ.
 */
function bytesEqual(x: Uint8Array, y: Uint8Array): boolean {
  const n = Math.max(x.length, y.length);
  let diff = x.length ^ y.length;
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Constant-time equality of two strings' UTF-8 bytes: the time depends on the
 * longer length only, never on where they differ.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  return bytesEqual(encoder.encode(a), encoder.encode(b));
}

/** The configured keys' bytes, encoded once per key list (config is immutable). */
const encodedKeys = new WeakMap<readonly string[], Uint8Array[]>();

/**
 * Whether `candidate` is one of `keys`. Every key is compared, in constant
 * time, so neither the position nor the length of a match leaks.
 *
 * @example
 * ```ts
 * isWriteKey("wk_1", ["wk_0", "wk_1"]); // true
 * ```
 */
export function isWriteKey(candidate: string, keys: readonly string[]): boolean {
  let encoded = encodedKeys.get(keys);
  if (encoded === undefined || encoded.length !== keys.length) {
    encoded = keys.map((k) => encoder.encode(k));
    encodedKeys.set(keys, encoded);
  }
  const x = encoder.encode(candidate);
  let found = false;
  for (const key of encoded) found = bytesEqual(x, key) || found;
  return found;
}
