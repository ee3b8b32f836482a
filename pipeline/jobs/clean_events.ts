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
import { bronzeEventsOfShard, metaBacklog, silverEvent } from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { CleanEvent } from "../contracts/types.ts";
import { eventMutationBound, EventState } from "../silver/events.ts";
import { type Fence, type JobOptions, pastDeadline, step, withLease } from "./fence.ts";
import type { JobOutcome } from "./runner.ts";
import { valueSize, WriteSet } from "./write_set.ts";

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
  const queue = [...shards];
  // Shards drain side by side: one's reads and computation overlap another's commit.
  const worker = async () => {
    for (let shard = queue.shift(); shard !== undefined; shard = queue.shift()) {
      const held = await withLease(
        kv,
        { name: CLEAN_EVENTS, shard },
        opts,
        (fence) => drainShard(kv, shard!, fence, opts),
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

/** Drains one shard while holding its lease; returns the events consumed. */
async function drainShard(
  kv: Deno.Kv,
  shard: number,
  fence: Fence,
  opts: JobOptions,
): Promise<number> {
  const limit = opts.batchSize ?? 400;
  let consumed = 0;
  // Person state read in earlier batches stays valid while the lease is held:
  // only this worker writes the state of this shard's persons.
  let state = new EventState();
  // A commit usually takes fewer events than listed (KV's mutation limit), and
  // the rest are listed again: list about as many as the last commit took.
  let listLimit = limit;
  while (!pastDeadline(opts)) {
    const entries: Deno.KvEntry<CleanEvent>[] = [];
    for await (
      const e of kv.list<CleanEvent>({ prefix: bronzeEventsOfShard(shard) }, {
        limit: listLimit,
        batchSize: listLimit,
      })
    ) entries.push(e);
    if (entries.length === 0) break;
    await step(opts, "listed");
    if (state.size > STATE_CACHE_LIMIT) state = new EventState();
    const events = entries.map((e) => e.value);
    state.load(await getManyChunked(kv, state.personKeysFor(events)));
    state.load(await getManyChunked(kv, state.maskKeysFor(events)));
    await step(opts, "read");
    const ws = new WriteSet();
    let n = 0;
    for (const e of entries) {
      const bound = eventMutationBound(state.weeksOf(e.value.person));
      const size = valueSize(e.value);
      if (n > 0 && !ws.fits({ mutations: bound, bytes: size + 4096, keyBytes: 4096 })) break;
      ws.set(silverEvent(shard, e.key[3] as string), e.value, { size });
      ws.delete(e.key);
      state.apply(e.value, ws);
      n++;
    }
    ws.counters.add(metaBacklog("events"), -n);
    await step(opts, "computed");
    if (!(await fence.commit(ws))) {
      state = new EventState();
      continue;
    }
    consumed += n;
    listLimit = Math.min(limit, n + LIST_MARGIN);
    await step(opts, "committed");
  }
  return consumed;
}
