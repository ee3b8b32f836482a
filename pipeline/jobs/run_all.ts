/**
 * `runAllJobs`: every pipeline job, repeatedly, until nothing is left to do:
 * no bronze event, no classified upload, no dirty mark. Used by
 * `POST /v1/pipeline/run`, `deno task pipeline` and the cron tick.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { bronzeEventsAll, metaDirtyOf, metaPendingDeltasOf } from "../../kv/keys.ts";
import { VIEW } from "../gold/metrics.ts";
import { applyInventory } from "./apply_inventory.ts";
import { APPLY_ORDERS, applyOrders } from "./apply_orders.ts";
import { cleanEvents } from "./clean_events.ts";
import type { JobOptions } from "./fence.ts";
import { materialise } from "./materialise.ts";
import { type JobOutcome, type JobRunResult, recordJobRun } from "./runner.ts";
import { classifiedUploads } from "./uploads.ts";

/** Options of {@link runAllJobs}. */
export interface RunAllOptions extends JobOptions {
  /** Give up waiting for work held by other workers after this long (default 60 s). */
  timeoutMs?: number;
}

/** What {@link runAllJobs} did. */
export interface RunAllResult {
  /** True when nothing was left to do at the end. */
  drained: boolean;
  /** Every recorded run, in the order they ran. */
  runs: JobRunResult[];
  /** Totals per job. */
  jobs: { name: string; runs: number; records_in: number; records_out: number; errors: number }[];
}

type Job = (kv: Deno.Kv, config: Config, opts: JobOptions) => Promise<JobOutcome>;

const JOBS: [string, Job][] = [
  ["apply_inventory", applyInventory],
  ["apply_orders", applyOrders],
  ["clean_events", cleanEvents],
  ["materialise", materialise],
];

/** Whether any stage still has work: bronze events, classified uploads or dirty marks. */
export async function hasPendingWork(kv: Deno.Kv): Promise<boolean> {
  for await (const _ of kv.list({ prefix: bronzeEventsAll() }, { limit: 1 })) return true;
  for (const kind of Object.values(VIEW)) {
    for await (const _ of kv.list({ prefix: metaDirtyOf(kind) }, { limit: 1 })) return true;
  }
  for await (const _ of kv.list({ prefix: metaPendingDeltasOf(APPLY_ORDERS) }, { limit: 1 })) {
    return true;
  }
  if ((await classifiedUploads(kv, "orders")).length > 0) return true;
  return (await classifiedUploads(kv, "inventory")).length > 0;
}

/**
 * Runs every job until drained. Work held by another worker (a lease) is
 * waited for, up to `timeoutMs`; a job that fails is recorded and retried on
 * the next pass, up to three passes with errors.
 *
 * @example
 * ```ts
 * const result = await runAllJobs(kv, config);
 * console.log(result.drained, result.jobs);
 * ```
 */
export async function runAllJobs(
  kv: Deno.Kv,
  config: Config,
  opts: RunAllOptions = {},
): Promise<RunAllResult> {
  const until = Date.now() + (opts.timeoutMs ?? 60_000);
  const runs: JobRunResult[] = [];
  let errorPasses = 0;
  let drained = false;
  while (Date.now() < until) {
    let busy = 0;
    let errors = 0;
    for (const [name, job] of JOBS) {
      const run = await recordJobRun(kv, name, () => job(kv, config, { ...opts, deadline: until }));
      runs.push(run);
      busy += run.busy;
      if (run.status === "error") errors++;
    }
    if (!(await hasPendingWork(kv))) {
      drained = true;
      break;
    }
    if (errors > 0 && ++errorPasses >= 3) break;
    if (busy > 0) await new Promise((r) => setTimeout(r, 100));
  }
  const totals = new Map<string, RunAllResult["jobs"][number]>();
  for (const r of runs) {
    const t = totals.get(r.name) ??
      { name: r.name, runs: 0, records_in: 0, records_out: 0, errors: 0 };
    t.runs++;
    t.records_in += r.records_in;
    t.records_out += r.records_out;
    if (r.status === "error") t.errors++;
    totals.set(r.name, t);
  }
  return { drained, runs, jobs: [...totals.values()] };
}
