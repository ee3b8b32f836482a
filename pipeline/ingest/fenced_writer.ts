/**
 * The commits of one upload under its source's lease (docs/pipeline.md,
 * "Files"): fenced by the lease's versionstamp, renewed by a heartbeat, at
 * most two in flight, and the wait for the lease with its `503`.
 *
 * @module
 */

import {
  acquireLease,
  fenceWithLease,
  type Lease,
  LeaseLostError,
  leaseRenewed,
  releaseLease,
} from "../../kv/lease.ts";
import type { Source } from "../../kv/keys.ts";
import { HttpError } from "../../routes/errors.ts";

/** The two file sources. */
export type FileSource = Extract<Source, "orders" | "inventory">;

/** Most mutations of one upload commit (KV allows 1,000). */
export const UPLOAD_MAX_MUTATIONS = 900;
/** Most estimated bytes of one upload commit. */
export const UPLOAD_MAX_BYTES = 600 * 1024;

/** Timing of the upload lease. */
export interface UploadLeaseOptions {
  /** Lease time to live; every commit renews it, and so does a heartbeat. */
  leaseTtlMs?: number;
  /** How long to wait for another upload of the same source before a `503`. */
  leaseWaitMs?: number;
}

/**
 * The commits of one upload under its lease. Every commit checks the lease's
 * versionstamp (a fencing token: a writer whose lease expired and was taken
 * over cannot commit); up to `maxInFlight` commits run at once (staging
 * overlaps its commits). The lease is renewed by a heartbeat every third of
 * its time to live, between commits, so a slow client does not lose it.
 */
export class FencedWriter {
  #kv: Deno.Kv;
  #lease: Lease;
  #max: number;
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #renewing: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(kv: Deno.Kv, lease: Lease, maxInFlight = 2) {
    this.#kv = kv;
    this.#lease = lease;
    this.#max = Math.max(1, maxInFlight);
    const every = Math.max(50, Math.floor(lease.ttlMs / 3));
    this.#timer = setInterval(() => this.#renew().catch(() => {}), every);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  async #acquireSlot(): Promise<void> {
    while (true) {
      if (this.#renewing) await this.#renewing.catch(() => {});
      else if (this.#inFlight < this.#max) {
        this.#inFlight++;
        return;
      } else await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /**
   * Runs `build` on a fresh atomic operation, adds the fence and commits.
   * Resolves `false` when a check added by `build` failed; throws
   * {@link LeaseLostError} when the lease is gone. Commits started together
   * may land in any order: callers await a commit before one that depends on it.
   */
  async commit(build: (op: Deno.AtomicOperation) => void): Promise<boolean> {
    await this.#acquireSlot();
    try {
      if (this.#closed) throw new LeaseLostError("Upload writer is closed");
      const lease = this.#lease;
      const op = this.#kv.atomic();
      build(op);
      op.check({ key: lease.key, versionstamp: lease.versionstamp });
      const result = await op.commit();
      if (result.ok) return true;
      const current = await this.#kv.get(lease.key);
      if (current.versionstamp !== lease.versionstamp) {
        throw new LeaseLostError("Upload lease was lost");
      }
      return false;
    } finally {
      this.#inFlight--;
      this.#wake();
    }
  }

  /** Renews the lease once no commit is in flight (new commits wait meanwhile). */
  #renew(): Promise<void> {
    if (this.#renewing) return this.#renewing;
    this.#renewing = (async () => {
      while (this.#inFlight > 0) await new Promise<void>((r) => this.#waiters.push(r));
      if (this.#closed) return;
      const op = fenceWithLease(this.#kv.atomic(), this.#lease);
      const result = await op.commit();
      // A failed renewal means the lease is gone; the next commit's check says so.
      if (result.ok) this.#lease = leaseRenewed(this.#lease, result.versionstamp);
    })().finally(() => {
      this.#renewing = null;
      this.#wake();
    });
    return this.#renewing;
  }

  async #drain(): Promise<void> {
    while (this.#inFlight > 0 || this.#renewing) {
      if (this.#renewing) await this.#renewing.catch(() => {});
      else await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /**
   * Stops without releasing the lease, as a crashed process would: the lease
   * stays until it expires and nothing more is committed. For crash tests.
   */
  abandon(): void {
    clearInterval(this.#timer);
    this.#closed = true;
  }

  /** Waits for commits in flight, stops the heartbeat and releases the lease. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#drain();
    if (this.#closed) return;
    this.#closed = true;
    await releaseLease(this.#kv, this.#lease).catch(() => {});
  }
}

/**
 * Takes the upload lease of `source`, waiting while another upload holds it;
 * a `503` with `Retry-After` after `leaseWaitMs`.
 */
export async function openUploadWriter(
  kv: Deno.Kv,
  source: FileSource,
  options: UploadLeaseOptions = {},
): Promise<FencedWriter> {
  const ttlMs = options.leaseTtlMs ?? 30_000;
  const deadline = Date.now() + (options.leaseWaitMs ?? 60_000);
  const owner = crypto.randomUUID();
  let delay = 20;
  while (true) {
    const lease = await acquireLease(kv, { name: `upload:${source}`, owner, ttlMs });
    if (lease) return new FencedWriter(kv, lease);
    if (Date.now() >= deadline) {
      throw new HttpError(
        503,
        "upload_in_progress",
        `Another ${source} upload is in progress`,
        { "Retry-After": "5" },
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(500, delay * 2);
  }
}
