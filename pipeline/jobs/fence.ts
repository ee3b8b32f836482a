/**
 * Lease-fenced commits: every batch of a job commits together with a check of
 * the job shard's lease versionstamp and its renewal, so a worker that lost its
 * lease (it stalled past the TTL and another worker took over) cannot commit.
 *
 * @module
 */

import { metaDirty } from "../../kv/keys.ts";
import {
  acquireLease,
  fenceWithLease,
  type Lease,
  LeaseLostError,
  leaseRenewed,
  releaseLease,
} from "../../kv/lease.ts";
import type { WriteSet } from "./write_set.ts";

/** Options every job accepts. */
export interface JobOptions {
  /** Lease owner; defaults to one id per process. */
  owner?: string;
  /**
   * Called between the steps of a batch (`listed`, `read`, `computed`,
   * `committed`, …). Tests throw from it to abort a job at any point.
   */
  hook?: (point: string) => void | Promise<void>;
  /** Lease TTL, ms (default 30 s); each commit renews it. */
  leaseTtlMs?: number;
  /** Most input records read per batch (a commit may take fewer to stay within KV limits). */
  batchSize?: number;
  /** Epoch ms after which no new batch starts (cron runs stop before the next tick). */
  deadline?: number;
}

const PROCESS_OWNER = `worker-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
let invocations = 0;

/**
 * A lease owner unique to one job invocation, so that two runs in the same
 * process (a cron tick and `POST /v1/pipeline/run`) exclude each other too.
 */
export function newOwner(): string {
  return `${PROCESS_OWNER}-${++invocations}`;
}

/** Calls the fault-injection hook, if any. */
export async function step(opts: JobOptions, point: string): Promise<void> {
  if (opts.hook) await opts.hook(point);
}

/** Whether the job's deadline has passed. */
export function pastDeadline(opts: JobOptions): boolean {
  return opts.deadline !== undefined && Date.now() >= opts.deadline;
}

/** A held lease and the commits fenced by it. */
export class Fence {
  #lease: Lease;
  constructor(readonly kv: Deno.Kv, lease: Lease) {
    this.#lease = lease;
  }

  /** The lease as last renewed. */
  get lease(): Lease {
    return this.#lease;
  }

  /**
   * Commits `ws` with the lease check and renewal. `true` on success; `false`
   * when another check of `ws` failed (the caller re-reads and retries).
   * Throws {@link LeaseLostError} when the lease is no longer ours.
   */
  async commit(ws: WriteSet): Promise<boolean> {
    const op = ws.toAtomic(this.kv, metaDirty);
    fenceWithLease(op, this.#lease);
    const result = await op.commit();
    if (result.ok) {
      this.#lease = leaseRenewed(this.#lease, result.versionstamp);
      return true;
    }
    const current = await this.kv.get(this.#lease.key);
    if (current.versionstamp !== this.#lease.versionstamp) {
      throw new LeaseLostError(`Lease "${this.#lease.key.join("/")}" was lost`);
    }
    return false;
  }

  /** Renews the lease with an empty fenced commit (during long reads). */
  async renew(): Promise<void> {
    const op = fenceWithLease(this.kv.atomic(), this.#lease);
    const result = await op.commit();
    if (!result.ok) throw new LeaseLostError(`Lease "${this.#lease.key.join("/")}" was lost`);
    this.#lease = leaseRenewed(this.#lease, result.versionstamp);
  }
}

/**
 * Runs `fn` while holding the lease `name`/`shard`; `null` when another owner
 * holds it. The lease is released afterwards (a lost lease is left alone).
 */
export async function withLease<T>(
  kv: Deno.Kv,
  target: { name: string; shard?: number },
  opts: JobOptions,
  fn: (fence: Fence) => Promise<T>,
): Promise<{ value: T } | null> {
  const lease = await acquireLease(kv, {
    name: target.name,
    shard: target.shard ?? 0,
    owner: opts.owner ?? newOwner(),
    ttlMs: opts.leaseTtlMs ?? 30_000,
  });
  if (!lease) return null;
  const fence = new Fence(kv, lease);
  try {
    return { value: await fn(fence) };
  } finally {
    await releaseLease(kv, fence.lease).catch(() => {});
  }
}

export { LeaseLostError };
