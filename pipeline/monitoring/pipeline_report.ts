/**
 * Pipeline health (shared/spec/kpis.md): every job's recent runs, and per
 * stage the backlog (records landed but not yet processed) and the lag (age
 * of the oldest such record, 0 when drained).
 *
 * @module
 */

import {
  bronzeEventsOfShard,
  bronzeUploads,
  metaBacklog,
  metaJobRunsAll,
  metaJobRunsOf,
} from "../../kv/keys.ts";
import { counterValue } from "../../kv/counters.ts";
import { EVENT_SHARDS, timeOfOldestFirstId } from "../../kv/ids.ts";
import type { UploadRecord } from "../ingest/upload_types.ts";
import type { JobRun, PipelineReport } from "../read/types.ts";

/** The stages that hold a backlog. */
export const STAGES = ["events", "orders", "inventory"] as const;

/** Jobs always listed, even before their first run. */
export const KNOWN_JOBS = [
  "clean_events",
  "apply_orders",
  "apply_inventory",
  "materialise",
  "rebuild",
  "checks",
  "freshness",
  "anomalies",
  "alert_delivery",
] as const;

/** Options of {@link readPipelineReport}. */
export interface PipelineReportOptions {
  /** Epoch ms taken as the current time (default `Date.now()`). */
  now?: number;
  /** Runs listed per job, newest first (default 10). */
  runsPerJob?: number;
}

async function jobNames(kv: Deno.Kv): Promise<string[]> {
  const names = new Set<string>(KNOWN_JOBS);
  const prefix = metaJobRunsAll();
  // Skip-scan: one read per job name, however many runs each has.
  let start: Deno.KvKey | undefined;
  for (;;) {
    const it = kv.list(start ? { prefix, start } : { prefix }, { limit: 1 });
    const first = await it.next();
    if (first.done) break;
    const name = first.value.key[2] as string;
    names.add(name);
    start = [...prefix, `${name}\u0000`];
  }
  return [...names];
}

/** The oldest pending bronze event's time over all shards, or `null` when drained. */
async function oldestPendingEvent(kv: Deno.Kv): Promise<number | null> {
  const firsts = await Promise.all(
    Array.from({ length: EVENT_SHARDS }, async (_, shard) => {
      for await (const e of kv.list({ prefix: bronzeEventsOfShard(shard) }, { limit: 1 })) {
        return timeOfOldestFirstId(e.key[3] as string);
      }
      return null;
    }),
  );
  const times = firsts.filter((t): t is number => t !== null);
  return times.length ? Math.min(...times) : null;
}

/** The oldest classified, not yet applied upload's receipt time per file source. */
async function oldestPendingUploads(kv: Deno.Kv): Promise<Record<string, number | null>> {
  const oldest: Record<string, number | null> = { orders: null, inventory: null };
  for await (const e of kv.list<UploadRecord>({ prefix: bronzeUploads() }, { batchSize: 500 })) {
    const u = e.value;
    if (u.status !== "classified") continue;
    const current = oldest[u.source];
    if (current === null || u.receivedAt < current) oldest[u.source] = u.receivedAt;
  }
  return oldest;
}

/**
 * The receipt time of the oldest record not yet processed by the pipeline
 * (bronze event or classified upload), or `null` when every stage is drained.
 */
export async function oldestPendingReceipt(kv: Deno.Kv): Promise<number | null> {
  const [event, uploads] = await Promise.all([oldestPendingEvent(kv), oldestPendingUploads(kv)]);
  const times = [event, uploads.orders, uploads.inventory].filter((t): t is number => t !== null);
  return times.length ? Math.min(...times) : null;
}

/**
 * Jobs with their recent runs (newest first) and stages with backlog and lag.
 *
 * @example
 * ```ts
 * const report = await readPipelineReport(kv);
 * report.stages.find((s) => s.stage === "events")?.backlog;
 * ```
 */
export async function readPipelineReport(
  kv: Deno.Kv,
  options: PipelineReportOptions = {},
): Promise<PipelineReport> {
  const now = options.now ?? Date.now();
  const runsPerJob = options.runsPerJob ?? 10;
  const names = await jobNames(kv);
  const jobs = await Promise.all(names.map(async (name) => {
    const runs: JobRun[] = [];
    for await (const e of kv.list<JobRun>({ prefix: metaJobRunsOf(name) }, { limit: runsPerJob })) {
      runs.push(e.value);
    }
    return { name, runs };
  }));
  const [backlogs, oldestEvent, oldestUploads] = await Promise.all([
    kv.getMany(STAGES.map((s) => metaBacklog(s))),
    oldestPendingEvent(kv),
    oldestPendingUploads(kv),
  ]);
  const oldest: Record<string, number | null> = { events: oldestEvent, ...oldestUploads };
  const stages = STAGES.map((stage, i) => {
    const backlog = Math.max(0, counterValue(backlogs[i].value));
    const t = oldest[stage];
    const lag_seconds = t === null ? 0 : Math.max(0, Math.round((now - t) / 1000));
    return { stage, backlog, lag_seconds };
  });
  return { jobs, stages };
}
