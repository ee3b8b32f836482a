/**
 * The job-run recorder: every run's start, end, status, records in and out,
 * and error, stored at `metaJobRun(job, newestFirstId())` in the `JobRun`
 * shape of the read API (`GET /v1/pipeline`). The newest {@link KEEP_RUNS}
 * runs of each job are kept; older ones are deleted when a run ends.
 *
 * @module
 */

import { newestFirstId } from "../../kv/ids.ts";
import { metaJobRun, metaJobRunsOf } from "../../kv/keys.ts";
import type { JobRun } from "../read/types.ts";
import { retryBusy } from "./busy.ts";

/** Runs kept per job. */
export const KEEP_RUNS = 50;

/** Job names, as recorded and shown by `GET /v1/pipeline`. */
export const JOB_NAMES = [
  "clean_events",
  "apply_orders",
  "apply_inventory",
  "materialise",
  "rebuild",
] as const;

/** A job name. */
export type JobName = typeof JOB_NAMES[number];

/** What one run of a job did. */
export interface JobOutcome {
  /** Input records consumed (bronze events, staged rows, dirty marks). */
  records_in: number;
  /** Records written downstream (silver records, views). */
  records_out: number;
  /** Shards or work this run could not take because another worker held the lease. */
  busy?: number;
}

/** A finished run, as returned by {@link recordJobRun} and `runAllJobs`. */
export interface JobRunResult extends JobRun {
  name: string;
  busy: number;
}

/**
 * Runs `fn` as one recorded run of `job`: a `running` record first, then the
 * final status. An exception is recorded as `error` with its message and
 * returned, not rethrown, so one failing job does not stop the others.
 *
 * @example
 * ```ts
 * const run = await recordJobRun(kv, "materialise", () => materialise(kv, config));
 * console.log(run.status, run.records_out);
 * ```
 */
export async function recordJobRun(
  kv: Deno.Kv,
  job: string,
  fn: () => Promise<JobOutcome>,
): Promise<JobRunResult> {
  const started = Date.now();
  const runId = runIdOf(started);
  const key = metaJobRun(job, runId);
  const run: JobRun = {
    started_at: new Date(started).toISOString(),
    finished_at: null,
    status: "running",
    records_in: 0,
    records_out: 0,
    error: null,
  };
  await retryBusy(() => kv.set(key, run, { expireIn: 30 * 86_400_000 }));
  let busy = 0;
  try {
    const outcome = await fn();
    run.records_in = outcome.records_in;
    run.records_out = outcome.records_out;
    busy = outcome.busy ?? 0;
    run.status = "ok";
  } catch (err) {
    run.status = "error";
    run.error = err instanceof Error ? err.message : String(err);
  }
  run.finished_at = new Date().toISOString();
  await retryBusy(() => kv.set(key, run, { expireIn: 30 * 86_400_000 }));
  await retryBusy(() => pruneRuns(kv, job));
  return { name: job, busy, ...run };
}

const SEQ_SPAN = 36 ** 4;
let runSeq = 0;

/**
 * `newestFirstId(ms)` with its per-process counter inverted, so that runs
 * started in the same millisecond also list newest first.
 */
function runIdOf(ms: number): string {
  const id = newestFirstId(ms);
  runSeq = (runSeq + 1) % SEQ_SPAN;
  return id.slice(0, 10) + (SEQ_SPAN - 1 - runSeq).toString(36).padStart(4, "0") + id.slice(14);
}

async function pruneRuns(kv: Deno.Kv, job: string): Promise<void> {
  const old: Deno.KvKey[] = [];
  let i = 0;
  for await (const e of kv.list({ prefix: metaJobRunsOf(job) }, { batchSize: 200 })) {
    if (++i > KEEP_RUNS) old.push(e.key);
  }
  for (let j = 0; j < old.length; j += 500) {
    const op = kv.atomic();
    for (const k of old.slice(j, j + 500)) op.delete(k);
    await op.commit();
  }
}

/**
 * The recorded runs of `job`, newest first.
 *
 * @example
 * ```ts
 * const runs = await listJobRuns(kv, "clean_events", 10);
 * ```
 */
export async function listJobRuns(kv: Deno.Kv, job: string, limit = KEEP_RUNS): Promise<JobRun[]> {
  const out: JobRun[] = [];
  for await (const e of kv.list<JobRun>({ prefix: metaJobRunsOf(job) }, { limit })) {
    out.push(e.value);
  }
  return out;
}
