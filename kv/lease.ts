/**
 * Leases: one holder at a time for a job shard, across processes.
 *
 * A lease is a key set with `expireIn`; its versionstamp is a fencing token.
 * Every commit of the holder checks that versionstamp and renews the lease in
 * the same atomic operation, so a holder whose lease was taken over (it stalled
 * past the lease) cannot commit anything more.
 *
 * @module
 */

import { metaLease } from "./keys.ts";

/** A held lease. `versionstamp` changes with every renewal. */
export interface Lease {
  key: Deno.KvKey;
  owner: string;
  ttlMs: number;
  versionstamp: string;
}

interface LeaseValue {
  owner: string;
  until: number;
}

/** Options of {@link acquireLease}. */
export interface AcquireLeaseOptions {
  name: string;
  shard?: number;
  owner: string;
  ttlMs?: number;
  now?: number;
}

/**
 * Takes the lease `name`/`shard` if it is free or expired; `null` when another
 * owner holds it.
 *
 * @example
 * ```ts
 * const lease = await acquireLease(kv, { name: "clean_events", shard: 3, owner: "worker-1" });
 * if (lease) { ... await releaseLease(kv, lease); }
 * ```
 */
export async function acquireLease(
  kv: Deno.Kv,
  options: AcquireLeaseOptions,
): Promise<Lease | null> {
  const key = metaLease(options.name, options.shard ?? 0);
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now();
  const current = await kv.get<LeaseValue>(key);
  if (current.value && current.value.until > now && current.value.owner !== options.owner) {
    return null;
  }
  const value: LeaseValue = { owner: options.owner, until: now + ttlMs };
  const result = await kv.atomic().check(current).set(key, value, { expireIn: ttlMs }).commit();
  if (!result.ok) return null;
  return { key, owner: options.owner, ttlMs, versionstamp: result.versionstamp };
}

/**
 * Adds the fencing check and the renewal of `lease` to `op`. After the commit
 * succeeds, pass its versionstamp to {@link leaseRenewed}.
 */
export function fenceWithLease(op: Deno.AtomicOperation, lease: Lease, now = Date.now()) {
  const value: LeaseValue = { owner: lease.owner, until: now + lease.ttlMs };
  return op.check({ key: lease.key, versionstamp: lease.versionstamp })
    .set(lease.key, value, { expireIn: lease.ttlMs });
}

/** The lease after a successful fenced commit. */
export function leaseRenewed(lease: Lease, versionstamp: string): Lease {
  return { ...lease, versionstamp };
}

/** Releases a lease if still held (a lost lease is left to its new owner). */
export async function releaseLease(kv: Deno.Kv, lease: Lease): Promise<void> {
  await kv.atomic().check({ key: lease.key, versionstamp: lease.versionstamp }).delete(lease.key)
    .commit();
}

/** Thrown when a fenced commit fails because the lease was lost. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}
