/**
 * The pipeline jobs (bronze → silver → gold) as plain functions, the job-run
 * recorder, and `runAllJobs`. Design and costs: docs/pipeline.md.
 *
 * @module
 */

export { cleanEvents, type CleanEventsOptions } from "./clean_events.ts";
export { applyOrders } from "./apply_orders.ts";
export { applyInventory } from "./apply_inventory.ts";
export { materialise } from "./materialise.ts";
export { allJobLeases, rebuild } from "./rebuild.ts";
export { hasPendingWork, runAllJobs, type RunAllOptions, type RunAllResult } from "./run_all.ts";
export {
  JOB_NAMES,
  type JobName,
  type JobOutcome,
  type JobRunResult,
  KEEP_RUNS,
  listJobRuns,
  recordJobRun,
} from "./runner.ts";
export type { JobOptions } from "./fence.ts";
