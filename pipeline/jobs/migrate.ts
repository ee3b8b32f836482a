/**
 * One-time folding of derived silver state kept one key per bucket by
 * earlier versions (`[..., owner, bucket] = number`) into one record per
 * owner and part (`bucketPart`): customer counts and person step masks.
 * Derived state only: `rebuild` recomputes it from silver either way.
 *
 * @module
 */

import { getManyChunked, listAll } from "../../kv/mod.ts";
import { bucketPart } from "../gold/metrics.ts";
import type { Fence } from "./fence.ts";
import { WriteSet } from "./write_set.ts";

/** Whether any key is left under `prefix` (one listing). */
export async function hasKeys(kv: Deno.Kv, prefix: Deno.KvKey): Promise<boolean> {
  for await (const _ of kv.list({ prefix }, { limit: 1 })) return true;
  return false;
}

/**
 * Folds every `[...oldPrefix, owner, bucket]` entry into the record at
 * `recordKey(owner, bucketPart(bucket))`, 400 keys per fenced commit, each
 * commit deleting the keys it folded (an interrupted run resumes where it
 * stopped). The caller holds the lease of every writer of that state.
 * Returns the keys folded.
 *
 * @example
 * ```ts
 * await foldBucketKeys(kv, fence, silverCustomerBucketsAll(), silverCustomerCounts);
 * ```
 */
export async function foldBucketKeys(
  kv: Deno.Kv,
  fence: Fence,
  oldPrefix: Deno.KvKey,
  recordKey: (owner: string, part: string) => Deno.KvKey,
): Promise<number> {
  const at = oldPrefix.length;
  let folded = 0;
  for (;;) {
    const old = await listAll<number>(kv, oldPrefix, { limit: 400 });
    if (old.length === 0) return folded;
    const keys = new Map<string, Deno.KvKey>();
    const idOf = (e: Deno.KvEntry<number>) => {
      const owner = e.key[at] as string;
      const part = bucketPart(e.key[at + 1] as string);
      const id = `${owner}\u0001${part}`;
      if (!keys.has(id)) keys.set(id, recordKey(owner, part));
      return id;
    };
    for (const e of old) idOf(e);
    const current = await getManyChunked<Record<string, number>>(kv, [...keys.values()]);
    const ids = [...keys.keys()];
    const records = new Map(ids.map((id, i) => [id, { ...current[i].value }]));
    const ws = new WriteSet();
    for (const e of old) {
      records.get(idOf(e))![e.key[at + 1] as string] = e.value;
      ws.delete(e.key);
    }
    for (const [id, record] of records) ws.set(keys.get(id)!, record);
    if (!(await fence.commit(ws))) throw new Error("Folding per-bucket state failed a check");
    folded += old.length;
  }
}
