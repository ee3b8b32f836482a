/**
 * Fresh copies of a closed KV file, so that every sample of a benchmark
 * starts from the same store.
 *
 * @module
 */

const SIDE_FILES = ["", "-wal", "-shm"];

/**
 * Copies a closed KV file (with any SQLite side files) to `to`, and flushes
 * the copy to disk: otherwise the first checkpoint of the timed run would
 * write back the whole copy (tens of MB after 60 days), and the figure would
 * time the copy's size, not the work.
 */
export async function copyKv(from: string, to: string): Promise<void> {
  for (const suffix of SIDE_FILES) {
    try {
      await Deno.copyFile(from + suffix, to + suffix);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      continue;
    }
    using file = await Deno.open(to + suffix, { write: true });
    await file.sync();
  }
}

/**
 * Runs `fn` on a fresh, flushed copy of the closed store at `from`, then
 * deletes the copy.
 *
 * @example
 * ```ts
 * const ms = await withCopy(`${dir}/landed.kv`, `${dir}/run.kv`, (kv) => timed(() => drain(kv)));
 * ```
 */
export async function withCopy<T>(
  from: string,
  to: string,
  fn: (kv: Deno.Kv) => Promise<T>,
): Promise<T> {
  await copyKv(from, to);
  const kv = await Deno.openKv(to);
  try {
    return await fn(kv);
  } finally {
    kv.close();
    for (const suffix of SIDE_FILES) await Deno.remove(to + suffix).catch(() => {});
  }
}
