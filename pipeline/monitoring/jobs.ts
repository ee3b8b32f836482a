/**
 * `runMonitoringJobs`: the monitoring jobs in order (checks, freshness,
 * anomalies, alert delivery), each recorded as a job run like the pipeline's
 * jobs. One lease (`monitoring`) keeps two processes from doing the same work
 * at once; every job is idempotent, so the lease only saves effort.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { acquireLease, releaseLease } from "../../kv/lease.ts";
import { type JobRunResult, recordJobRun } from "../jobs/runner.ts";
import { type AnomalyOutcome, detectAnomalies } from "./anomalies.ts";
import { deliverAlerts, type DeliveryOutcome } from "./delivery.ts";
import { checkFreshness } from "./freshness.ts";
import { type ChecksOutcome, runChecks } from "./reconciliation.ts";

/** Options of {@link runMonitoringJobs}. */
export interface MonitoringOptions {
  /** Epoch ms taken as the current time (default `Date.now()`). */
  now?: number;
  /** The fetch used for webhook delivery (tests pass their own). */
  fetch?: typeof fetch;
}

/** What {@link runMonitoringJobs} did. */
export interface MonitoringResult {
  /** False when another process held the monitoring lease (nothing was run). */
  ran: boolean;
  runs: JobRunResult[];
  checks: ChecksOutcome | null;
  freshness: { raised: number } | null;
  anomalies: { from: string | null; to: string | null; found: number; raised: number } | null;
  delivery: DeliveryOutcome | null;
}

const PROCESS = `monitoring-${crypto.randomUUID().slice(0, 8)}`;

/**
 * Runs checks, freshness, anomaly detection and alert delivery once. A job
 * that fails is recorded with its error and does not stop the next ones.
 *
 * @example
 * ```ts
 * const result = await runMonitoringJobs(kv, config);
 * console.log(result.anomalies?.raised, result.delivery?.delivered);
 * ```
 */
export async function runMonitoringJobs(
  kv: Deno.Kv,
  config: Config,
  options: MonitoringOptions = {},
): Promise<MonitoringResult> {
  const result: MonitoringResult = {
    ran: false,
    runs: [],
    checks: null,
    freshness: null,
    anomalies: null,
    delivery: null,
  };
  const lease = await acquireLease(kv, {
    name: "monitoring",
    owner: `${PROCESS}-${crypto.randomUUID().slice(0, 8)}`,
    ttlMs: 120_000,
  });
  if (!lease) return result;
  result.ran = true;
  try {
    const now = () => options.now ?? Date.now();
    result.runs.push(
      await recordJobRun(kv, "checks", async () => {
        const c = await runChecks(kv, config, { now: now() });
        result.checks = c;
        return { records_in: c.days_checked + c.days_unchanged, records_out: c.findings };
      }),
    );
    result.runs.push(
      await recordJobRun(kv, "freshness", async () => {
        const f = await checkFreshness(kv, config, now());
        result.freshness = { raised: f.raised.length };
        return { records_in: f.rows.length, records_out: f.raised.length };
      }),
    );
    result.runs.push(
      await recordJobRun(kv, "anomalies", async () => {
        const a: AnomalyOutcome = await detectAnomalies(kv, config, { now: now() });
        result.anomalies = { from: a.from, to: a.to, found: a.found, raised: a.raised.length };
        return { records_in: a.found, records_out: a.raised.length };
      }),
    );
    result.runs.push(
      await recordJobRun(kv, "alert_delivery", async () => {
        const d = await deliverAlerts(kv, config, { now: now(), fetch: options.fetch });
        result.delivery = d;
        return { records_in: d.attempted, records_out: d.delivered };
      }),
    );
  } finally {
    await releaseLease(kv, lease);
  }
  return result;
}
