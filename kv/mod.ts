/**
 * Deno KV layer: key builders, ids, signed counters and leases.
 *
 * @module
 */

export * from "./keys.ts";
export * from "./ids.ts";
export * from "./counters.ts";
export * from "./lease.ts";

/**
 * Lists every entry under `prefix`, in batches that stay within KV's read
 * limits. Only each batch is a consistent snapshot.
 */
export async function listAll<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  options: { reverse?: boolean; limit?: number; start?: Deno.KvKey; end?: Deno.KvKey } = {},
): Promise<Deno.KvEntry<T>[]> {
  const out: Deno.KvEntry<T>[] = [];
  const selector: Deno.KvListSelector = options.start
    ? { prefix, start: options.start }
    : options.end
    ? { prefix, end: options.end }
    : { prefix };
  for await (
    const entry of kv.list<T>(selector, {
      batchSize: 500,
      reverse: options.reverse,
      limit: options.limit,
    })
  ) out.push(entry);
  return out;
}

/** Reads many keys, ten per `getMany` (KV's limit), in order. */
export async function getManyChunked<T>(
  kv: Deno.Kv,
  keys: Deno.KvKey[],
): Promise<Deno.KvEntryMaybe<T>[]> {
  const out: Deno.KvEntryMaybe<T>[] = [];
  const chunks: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
  for (let i = 0; i < keys.length; i += 10) {
    chunks.push(kv.getMany<T[]>(keys.slice(i, i + 10)) as Promise<Deno.KvEntryMaybe<T>[]>);
  }
  for (const chunk of await Promise.all(chunks)) out.push(...chunk);
  return out;
}
