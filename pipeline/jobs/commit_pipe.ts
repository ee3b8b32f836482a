/**
 * One fenced commit in flight while a job reads and computes its next batch,
 * so KV's writer and the job's own work overlap.
 *
 * The next batch is computed on the job's in-memory state, which already holds
 * the changes of the batch in flight, and is committed only after that one
 * succeeded: a batch computed on top of a commit that failed is dropped (the
 * job then starts again from KV), so every batch still lands exactly once and
 * in order. Reads of the next batch may run while the commit is in flight: a
 * job only reads keys its state does not hold yet, and every key a batch
 * writes is held by then.
 *
 * @module
 */

import type { Fence } from "./fence.ts";
import type { WriteSet } from "./write_set.ts";

type Settled = { ok: boolean; error?: undefined } | { ok: false; error: unknown };

/**
 * A fence's commits, at most one in flight.
 *
 * @example
 * ```ts
 * const pipe = new CommitPipe(fence);
 * if (!(await pipe.settle())) state.reset(); // the batch before failed: drop this one
 * pipe.start(ws, (ok) => { if (ok) consumed += n; });
 * await pipe.settle();
 * ```
 */
export class CommitPipe {
  #inflight: Promise<Settled> | null = null;

  constructor(readonly fence: Fence) {}

  /** Whether a commit is in flight (not settled yet). */
  get pending(): boolean {
    return this.#inflight !== null;
  }

  /**
   * Waits for the commit in flight: `true` when it succeeded or there was
   * none, `false` when one of its checks failed. Rethrows what it threw (a
   * lost lease, or an error of its `then`).
   */
  async settle(): Promise<boolean> {
    const inflight = this.#inflight;
    this.#inflight = null;
    if (!inflight) return true;
    const r = await inflight;
    if (r.error !== undefined) throw r.error;
    return r.ok;
  }

  /**
   * Starts committing `ws` and returns at once; `then(ok)` runs when the
   * commit ends. The commit before must have been settled (successfully), so
   * that the lease versionstamp `ws` is fenced with is the current one.
   */
  start(ws: WriteSet, then: (ok: boolean) => void | Promise<void>): void {
    if (this.#inflight) throw new Error("A commit is already in flight");
    // Caught at once, so a failure is never an unhandled rejection; settle() rethrows it.
    this.#inflight = this.fence.commit(ws).then(async (ok) => {
      await then(ok);
      return { ok };
    }).catch((error) => ({ ok: false, error: error ?? new Error("Commit failed") }));
  }

  /** Waits for the commit in flight and ignores its outcome (the job is failing anyway). */
  async abandon(): Promise<void> {
    await this.settle().catch(() => {});
  }
}
