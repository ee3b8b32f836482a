/**
 * A KV listing in chunks, each read while the caller works on the one
 * before: an export then encodes while KV reads, instead of taking turns.
 * It reads at most one chunk ahead.
 *
 * @module
 */

/**
 * The entries of a listing in chunks of up to `size` (the last may be
 * shorter), the next chunk read while the caller handles the current one.
 *
 * @example
 * ```ts
 * for await (const chunk of listAhead(kv, { prefix: ["gold"] }, 500)) console.log(chunk.length);
 * ```
 */
export async function* listAhead<T>(
  kv: Deno.Kv,
  selector: Deno.KvListSelector,
  size: number,
): AsyncGenerator<Deno.KvEntry<T>[]> {
  const entries = kv.list<T>(selector, { batchSize: size });
  const read = async () => {
    const out: Deno.KvEntry<T>[] = [];
    while (out.length < size) {
      const r = await entries.next();
      if (r.done) break;
      out.push(r.value);
    }
    return out;
  };
  let next = read();
  try {
    for (;;) {
      const chunk = await next;
      if (chunk.length === 0) return;
      next = chunk.length < size ? Promise.resolve([]) : read();
      yield chunk;
    }
  } finally {
    // A consumer that stops early leaves one read in flight: let it end quietly.
    await next.catch(() => {});
  }
}
