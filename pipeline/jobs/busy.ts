/**
 * Retries of KV operations that fail because another process holds SQLite's
 * write lock (`database is locked`): several local workers on one KV file
 * (`deno task pipeline` next to the server) contend for it. Every retried
 * operation is an atomic commit or a read, so retrying is safe.
 *
 * @module
 */

/** Whether an error is SQLite's transient lock contention. */
export function isBusyError(err: unknown): boolean {
  return err instanceof Error && /database is locked|SQLITE_BUSY/i.test(err.message);
}

/**
 * Runs `fn`, retrying with jittered backoff while it fails with lock
 * contention (up to about ten seconds in all).
 *
 * @example
 * ```ts
 * const result = await retryBusy(() => op.commit());
 * ```
 */
export async function retryBusy<T>(fn: () => Promise<T>): Promise<T> {
  let delay = 5;
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isBusyError(err) || attempt >= 60) throw err;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, 250);
    }
  }
}
