/**
 * `clean_events`: bronze events → silver events, person state and event
 * counters, per shard. Each batch is one atomic commit that writes silver and
 * gold, deletes the bronze events it consumed, decrements the `events`
 * backlog and renews the shard's lease (docs/pipeline.md, "clean_events").
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { EVENT_SHARDS } from "../../kv/ids.ts";
import {
  bronzeEventsOfShard,
  metaBacklog,
  silverPersonBucketsAll,
  silverPersonMasks,
} from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { CleanEvent } from "../contracts/types.ts";
import { eventMutationBound, EventState } from "../silver/events.ts";
import { CommitPipe } from "./commit_pipe.ts";
import { type Fence, type JobOptions, pastDeadline, step, withLease, withLeases } from "./fence.ts";
import { foldBucketKeys, hasKeys, migrateSilverEvents } from "./migrate.ts";
import type { JobOutcome } from "./runner.ts";
import { serialisedBound } from "./commit_size.ts";
import { EventBlocks } from "../silver/event_blocks.ts";
import { WriteSet } from "./write_set.ts";

/** Entries of person state kept between batches of one drain before starting afresh. */
const STATE_CACHE_LIMIT = 200_000;

/** Events listed beyond what the last commit of a shard took. */
const LIST_MARGIN = 32;

/** Lease name of the job (one lease per shard). */
export const CLEAN_EVENTS = "clean_events";

/** Options of {@link cleanEvents}. */
export interface CleanEventsOptions extends JobOptions {
  /** Shards to drain (default: all of them). */
  shards?: number[];
  /** Shards drained at the same time by this worker (default 2). */
  concurrency?: number;
}

/**
 * Drains the bronze events of every shard whose lease is free. Shards held by
 * another worker are skipped and counted as `busy`.
 *
 * @example
 * ```ts
 * const { records_in } = await cleanEvents(kv, config);
 * ```
 */
export async function cleanEvents(
  kv: Deno.Kv,
  _config: Config,
  opts: CleanEventsOptions = {},
): Promise<JobOutcome> {
  // Each worker starts at a random shard, so concurrent workers spread out at once.
  const offset = Math.floor(Math.random() * EVENT_SHARDS);
  const shards = opts.shards ??
    Array.from({ length: EVENT_SHARDS }, (_, i) => (i + offset) % EVENT_SHARDS);
  const outcome: JobOutcome = { records_in: 0, records_out: 0, busy: 0 };
  if (!(await foldOldMasks(kv, opts))) {
    outcome.busy = shards.length;
    return outcome;
  }
  const queue = [...shards];
  // Shards drain side by side: one's reads and computation overlap another's commit.
  const worker = async () => {
    for (let shard = queue.shift(); shard !== undefined; shard = queue.shift()) {
      const held = await withLease(
        kv,
        { name: CLEAN_EVENTS, shard },
        opts,
        async (fence) => {
          // Stores made before event blocks: move the shard's events first (a deadline may stop it).
          if (!(await migrateSilverEvents(kv, fence, shard!, opts))) return 0;
          return await drainShard(kv, shard!, fence, opts);
        },
      );
      if (!held) outcome.busy!++;
      else {
        outcome.records_in += held.value;
        outcome.records_out += held.value;
      }
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker),
  );
  // Every shard worker has stopped before a failure is reported.
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  return outcome;
}

/**
 * Stores made before `silverPersonMasks` records kept one key per person and
 * bucket: fold them into records once, holding every shard's lease (a person
 * of any shard may be among them). `false` when a shard is busy: nothing is
 * drained until the fold is done.
 */
async function foldOldMasks(kv: Deno.Kv, opts: JobOptions): Promise<boolean> {
  if (!(await hasKeys(kv, silverPersonBucketsAll()))) return true;
  const leases = Array.from(
    { length: EVENT_SHARDS },
    (_, shard) => ({ name: CLEAN_EVENTS, shard }),
  );
  const held = await withLeases(
    kv,
    leases,
    opts,
    (fence) => foldBucketKeys(kv, fence, silverPersonBucketsAll(), silverPersonMasks),
  );
  return held !== null;
}

/** A start key just after `key` (every extension of a key sorts after it). */
function after(key: Deno.KvKey): Deno.KvKey {
  return [...key, new Uint8Array()];
}

/** A listed batch with its state loaded, or what stopped it (held until awaited). */
type Fetched = { entries: Deno.KvEntry<CleanEvent>[] } | { error: unknown };

function entriesOf(f: Fetched): Deno.KvEntry<CleanEvent>[] {
  if ("error" in f) throw f.error;
  return f.entries;
}

/**
 * Drains one shard while holding its lease; returns the events consumed.
 *
 * KV serves reads and commits of a handle one at a time, in order, so the
 * next batch is listed (after the last event this one takes) and its person
 * state read before this batch's commit is sent; it is then computed while
 * that commit is written ({@link CommitPipe}). A last listing from the start
 * picks up events that landed behind.
 */
async function drainShard(
  kv: Deno.Kv,
  shard: number,
  fence: Fence,
  opts: JobOptions,
): Promise<number> {
  const limit = opts.batchSize ?? 400;
  const prefix = bronzeEventsOfShard(shard);
  const pipe = new CommitPipe(fence);
  let consumed = 0;
  // Person state read in earlier batches stays valid while the lease is held:
  // only this worker writes the state of this shard's persons.
  let state = new EventState();
  // A commit usually takes fewer events than listed (KV's mutation limit), and
  // the rest are listed again: list about as many as the last commit took.
  let listLimit = limit;
  // The last event of the commit in flight (or just landed), null to list from the start.
  let last: Deno.KvKey | null = null;
  // `carry`: events listed before and not taken by the last batch (still in bronze,
  // their state held), so they are not listed and decoded again.
  const fetch = (
    from: Deno.KvKey | null,
    into: EventState,
    n: number,
    carry: Deno.KvEntry<CleanEvent>[] = [],
  ): Promise<Fetched> =>
    (async () => {
      const entries: Deno.KvEntry<CleanEvent>[] = [...carry];
      const selector = from ? { prefix, start: after(from) } : { prefix };
      const more = Math.max(1, n - carry.length);
      for await (const e of kv.list<CleanEvent>(selector, { limit: more, batchSize: more })) {
        entries.push(e);
      }
      if (entries.length > 0) {
        await step(opts, "listed");
        const events = entries.map((e) => e.value);
        into.load(await getManyChunked(kv, into.personKeysFor(events)));
        into.load(await getManyChunked(kv, into.maskKeysFor(events)));
        await step(opts, "read");
      }
      return { entries };
    })().catch((error) => ({ error }));
  let next: Promise<Fetched> | null = null;
  try {
    while (!pastDeadline(opts)) {
      if (state.size > STATE_CACHE_LIMIT) {
        // Read afresh only once nothing is in flight: the new state must see every commit.
        if (next) await next;
        next = null;
        if (!(await pipe.settle())) last = null;
        state = new EventState();
      }
      const entries = entriesOf(await (next ?? fetch(last, state, listLimit)));
      next = null;
      if (entries.length === 0) {
        if (last === null) break;
        if (!(await pipe.settle())) state = new EventState();
        last = null;
        continue;
      }
      const ws = new WriteSet();
      const blocks = new EventBlocks(shard);
      let n = 0;
      for (const e of entries) {
        const bound = eventMutationBound(state.weeksOf(e.value.person));
        const size = serialisedBound(e.value);
        // The open block, and one more if this event starts it.
        const mutations = bound + state.pendingMutations + blocks.pending + 1;
        const bytes = size + 4096 + blocks.openBytes;
        if (n > 0 && !ws.fits({ mutations, bytes, keyBytes: 4096 })) break;
        blocks.add(ws, { id: e.key[3] as string, value: e.value, size });
        ws.deleteOnce(e.key);
        state.apply(e.value, ws);
        n++;
      }
      blocks.close(ws);
      state.flush(ws);
      ws.counters.add(metaBacklog("events"), -n);
      await step(opts, "computed");
      const taken = entries[n - 1].key;
      listLimit = Math.min(limit, n + LIST_MARGIN);
      next = fetch(entries[entries.length - 1].key, state, listLimit, entries.slice(n));
      if (!(await pipe.settle())) {
        // The batch before did not land: this one was computed on top of it.
        await next;
        next = null;
        state = new EventState();
        last = null;
        continue;
      }
      // The next batch's reads go before this commit (see above).
      await next;
      pipe.start(ws, async (ok) => {
        if (!ok) return;
        consumed += n;
        await step(opts, "committed");
      });
      last = taken;
    }
    if (next) await next;
    await pipe.settle();
  } catch (err) {
    if (next) await next;
    await pipe.abandon();
    throw err;
  }
  return consumed;
}
