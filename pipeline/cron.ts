/**
 * Every `Deno.cron` registration of the product, at module top level so Deno
 * Deploy discovers them. Handlers wait for the context that `main.ts` sets,
 * then call the plain job functions that tests also call directly, each
 * recorded as a job run. Jobs hold KV leases, so ticks in several processes
 * (or a tick overlapping `POST /v1/pipeline/run`) never do the same work twice.
 *
 * @module
 */

import type { Config } from "../config.ts";
import { applyInventory } from "./jobs/apply_inventory.ts";
import { applyOrders } from "./jobs/apply_orders.ts";
import { cleanEvents } from "./jobs/clean_events.ts";
import type { JobOptions } from "./jobs/fence.ts";
import { materialise } from "./jobs/materialise.ts";
import { type JobOutcome, recordJobRun } from "./jobs/runner.ts";
import { runMonitoringJobs } from "./monitoring/mod.ts";

/** What scheduled jobs need; set once by `main.ts`. */
export interface CronContext {
  kv: Deno.Kv;
  config: Config;
}

let resolveContext: (ctx: CronContext) => void;
const contextReady = new Promise<CronContext>((resolve) => (resolveContext = resolve));

/** Hands the open KV and configuration to the scheduled jobs. */
export function setCronContext(ctx: CronContext): void {
  resolveContext(ctx);
}

/** Retries of a failed tick: 1 s, 5 s, 30 s (each job resumes where it stopped anyway). */
const backoffSchedule = [1000, 5000, 30000];

/** A tick stops starting new batches after this long, before the next minute's tick. */
const TICK_BUDGET_MS = 50_000;

type Job = (kv: Deno.Kv, config: Config, opts: JobOptions) => Promise<JobOutcome>;

/**
 * The handler of one scheduled job: records a run of `job` with a deadline
 * inside the minute. Exported for tests.
 *
 * @example
 * ```ts
 * await scheduledJob("clean_events", cleanEvents)({ kv, config });
 * ```
 */
export function scheduledJob(name: string, job: Job) {
  return async (ctx: CronContext): Promise<void> => {
    const run = await recordJobRun(
      ctx.kv,
      name,
      () => job(ctx.kv, ctx.config, { deadline: Date.now() + TICK_BUDGET_MS }),
    );
    if (run.status === "error") throw new Error(`Job "${name}" failed: ${run.error}`);
  };
}

/** The scheduled pipeline jobs: name (≤ 64 chars of `[A-Za-z0-9 _-]`), job name, function. */
export const PIPELINE_CRONS: [string, string, Job][] = [
  ["pipeline clean_events", "clean_events", cleanEvents],
  ["pipeline apply_orders", "apply_orders", applyOrders],
  ["pipeline apply_inventory", "apply_inventory", applyInventory],
  ["pipeline materialise", "materialise", materialise],
];

/** Whether cron jobs are enabled in this process (tests and CLI tasks import without them). */
const enabled = typeof Deno.cron === "function" && Deno.env.get("DISABLE_CRON") !== "1";

if (enabled) {
  for (const [cronName, jobName, job] of PIPELINE_CRONS) {
    const handler = scheduledJob(jobName, job);
    Deno.cron(cronName, "* * * * *", { backoffSchedule }, async () => handler(await contextReady));
  }
}

if (enabled) {
  // Checks, freshness, anomalies and webhook delivery: one lease, each recorded as a job run.
  Deno.cron("monitoring", "*/2 * * * *", { backoffSchedule }, async () => {
    const ctx = await contextReady;
    await runMonitoringJobs(ctx.kv, ctx.config);
  });
}
