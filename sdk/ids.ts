/**
 * Random ids for `messageId` and `anonymousId`.
 *
 * @module
 */

/**
 * A random UUID v4. Uses `crypto.randomUUID` where it exists; browsers hide it outside secure
 * contexts (plain `http:` pages) and Node 18 lacks the global, so it falls back to
 * `crypto.getRandomValues`, then to `Math.random`.
 *
 * @example
 * ```ts
 * const id = uuid(); // "0b6c3c2e-6f0e-4b7e-9b8a-3f2d1c0e9a77"
 * ```
 */
export function uuid(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.random() * 256;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
