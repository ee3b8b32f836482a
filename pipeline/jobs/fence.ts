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
import { retryBusy } from "./busy.ts";

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

/** Held leases and the commits fenced by them (one for a job shard; all of them for rebuild). */
export class Fence {
  #leases: Lease[];
  #renewedAt = Date.now();
  constructor(readonly kv: Deno.Kv, leases: Lease | Lease[]) {
    this.#leases = Array.isArray(leases) ? leases : [leases];
  }

  /**
   * Renews the leases when the last renewal is older than a third of their
   * TTL: long computations between commits call it so they keep the lease.
   */
  async keepAlive(): Promise<void> {
    const ttl = Math.min(...this.#leases.map((l) => l.ttlMs));
    if (Date.now() - this.#renewedAt > ttl / 3) await this.renew();
  }

  /** The leases as last renewed. */
  get leases(): Lease[] {
    return this.#leases;
  }

  #fence(op: Deno.AtomicOperation): Deno.AtomicOperation {
    for (const lease of this.#leases) fenceWithLease(op, lease);
    return op;
  }

  async #lost(): Promise<LeaseLostError | null> {
    const current = await retryBusy(() => this.kv.getMany(this.#leases.map((l) => l.key)));
    for (let i = 0; i < current.length; i++) {
      if (current[i].versionstamp !== this.#leases[i].versionstamp) {
        return new LeaseLostError(`Lease "${this.#leases[i].key.join("/")}" was lost`);
      }
    }
    return null;
  }

  /**
   * Commits `ws` with the lease checks and renewals. `true` on success; `false`
   * when another check of `ws` failed (the caller re-reads and retries).
   * Throws {@link LeaseLostError} when a lease is no longer ours.
   */
  async commit(ws: WriteSet): Promise<boolean> {
    const result = await retryBusy(() => this.#fence(ws.toAtomic(this.kv, metaDirty)).commit());
    if (result.ok) {
      this.#leases = this.#leases.map((l) => leaseRenewed(l, result.versionstamp));
      this.#renewedAt = Date.now();
      return true;
    }
    const lost = await this.#lost();
    if (lost) throw lost;
    return false;
  }

  /** Renews the leases with an empty fenced commit (during long reads). */
  async renew(): Promise<void> {
    const result = await retryBusy(() => this.#fence(this.kv.atomic()).commit());
    if (!result.ok) throw (await this.#lost()) ?? new LeaseLostError("Lease was lost");
    this.#leases = this.#leases.map((l) => leaseRenewed(l, result.versionstamp));
    this.#renewedAt = Date.now();
  }

  /** Releases every lease still held. */
  async release(): Promise<void> {
    for (const lease of this.#leases) {
      await retryBusy(() => releaseLease(this.kv, lease)).catch(() => {});
    }
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
  const owner = opts.owner ?? newOwner();
  const lease = await retryBusy(() =>
    acquireLease(kv, {
      name: target.name,
      shard: target.shard ?? 0,
      owner,
      ttlMs: opts.leaseTtlMs ?? 30_000,
    })
  );
  if (!lease) return null;
  const fence = new Fence(kv, lease);
  try {
    return { value: await fn(fence) };
  } finally {
    await fence.release();
  }
}

/**
 * Takes every lease of `targets` (all or none: `null` when any is held by
 * another owner) and runs `fn` with one fence over all of them.
 */
export async function withLeases<T>(
  kv: Deno.Kv,
  targets: { name: string; shard?: number }[],
  opts: JobOptions,
  fn: (fence: Fence) => Promise<T>,
): Promise<{ value: T } | null> {
  const owner = opts.owner ?? newOwner();
  const leases: Lease[] = [];
  for (const t of targets) {
    const lease = await retryBusy(() =>
      acquireLease(kv, {
        name: t.name,
        shard: t.shard ?? 0,
        owner,
        ttlMs: opts.leaseTtlMs ?? 30_000,
      })
    );
    if (!lease) {
      for (const l of leases) await releaseLease(kv, l).catch(() => {});
      return null;
    }
    leases.push(lease);
  }
  const fence = new Fence(kv, leases);
  try {
    return { value: await fn(fence) };
  } finally {
    await fence.release();
  }
}

export { LeaseLostError };
