/**
 * Sizes of what goes into one atomic commit, as Deno KV counts them against
 * its limits (1,000 mutations, 80 KiB of keys, 800 KiB in total, 100 checks),
 * and a stable identity of a key for de-duplicating writes.
 *
 * @module
 */

/**
 * Budgets of one commit, kept below KV's hard limits with room for what a job
 * adds after its last budget check: the lease renewal, the cursor or upload
 * record and the backlog sum (≤ 3 mutations; 10 kept). Each commit has a
 * fixed cost, so commits are filled close to the mutation limit.
 */
export const COMMIT_BUDGET = {
  mutations: 990,
  keyBytes: 72_000,
  bytes: 640_000,
  checks: 90,
} as const;

// Every code unit below 0x80 (control characters included) is one UTF-8 byte.
// deno-lint-ignore no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/** UTF-8 length of a string, without encoding it. */
export function utf8Length(s: string): number {
  // Most keys and values are ASCII: one native scan instead of a loop over every unit.
  if (ASCII.test(s)) return s.length;
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** Approximate encoded size of a key (tuple encoding: bytes plus a tag and terminator per part). */
export function keySize(key: Deno.KvKey): number {
  let n = 0;
  for (const part of key) n += typeof part === "string" ? utf8Length(part) + 2 : 10;
  return n;
}

/**
 * Approximate serialised size of a value: its JSON in UTF-8 (an upper bound of
 * V8's encoding for the plain records stored here) plus a small header.
 */
export function valueSize(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === "number" || typeof value === "boolean") return 10;
  if (typeof value === "string") return utf8Length(value) + 8;
  return utf8Length(JSON.stringify(value)) + 16;
}

/**
 * An upper bound of the bytes V8 serialises a plain record into, as KV
 * counts it against its 64 KiB value limit: its JSON length when the JSON is
 * ASCII, else two bytes per UTF-16 unit (V8 stores a string with any
 * character past U+00FF in two bytes per unit, ASCII ones included).
 */
export function serialisedBound(value: unknown): number {
  const json = JSON.stringify(value) ?? "";
  return (ASCII.test(json) ? json.length : 2 * json.length) + 16;
}

/** A stable identity for a key, for de-duplicating writes. */
export function keyId(key: Deno.KvKey): string {
  // A plain loop: jobs call this for every write and counter delta.
  let id = "";
  for (let i = 0; i < key.length; i++) {
    const p = key[i];
    if (i > 0) id += "\u0001";
    id += typeof p === "string" ? p : `#${String(p)}`;
  }
  return id;
}
