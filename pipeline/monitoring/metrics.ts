/**
 * `GET /metrics`: Prometheus text exposition format (version 0.0.4) of ingest
 * counts, job runs, backlog and lag, freshness and alerts.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { goldQualityAll } from "../../kv/keys.ts";
import { counterValue } from "../../kv/counters.ts";
import { countAlerts } from "./alerts.ts";
import { listOutbox } from "./delivery.ts";
import { readFreshness } from "./freshness.ts";
import { readPipelineReport } from "./pipeline_report.ts";

/** The content type of the text format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;

/** One metric family: name, help, type and samples. */
interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: { labels: Labels; value: number }[];
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

/**
 * Renders metric families in the text format: one `# HELP` and `# TYPE` line
 * per family, then its samples.
 */
function render(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
        .join(",");
      lines.push(`${f.name}${labels ? `{${labels}}` : ""} ${formatValue(s.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

async function qualityTotals(kv: Deno.Kv): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for await (const e of kv.list({ prefix: goldQualityAll() }, { batchSize: 1000 })) {
    const source = e.key[3] as string;
    const metric = e.key[4] as string;
    const id = `${source}\u0001${metric}`;
    totals.set(id, (totals.get(id) ?? 0) + counterValue(e.value));
  }
  return totals;
}

const OUTCOMES = ["received", "accepted", "quarantined", "duplicates", "updates"];

/**
 * The whole `/metrics` page.
 *
 * @example
 * ```ts
 * const text = await renderMetrics(kv, config, Date.now());
 * ```
 */
export async function renderMetrics(
  kv: Deno.Kv,
  config: Config,
  now = Date.now(),
): Promise<string> {
  const [totals, report, freshness, alerts, outbox] = await Promise.all([
    qualityTotals(kv),
    readPipelineReport(kv, { now, runsPerJob: 1 }),
    readFreshness(kv, config, now),
    countAlerts(kv),
    listOutbox(kv),
  ]);
  const ingest: Family = {
    name: "pipeline_ingest_records_total",
    help: "Records received per source and outcome (replayed records count in their new outcome)",
    type: "counter",
    samples: [],
  };
  const reasons: Family = {
    name: "pipeline_ingest_quarantined_by_reason_total",
    help: "Quarantined records per source and reason code (replayed ones excluded)",
    type: "counter",
    samples: [],
  };
  const warnings: Family = {
    name: "pipeline_ingest_warnings_total",
    help: "Values set absent by a rule, per source and field",
    type: "counter",
    samples: [],
  };
  const rejected: Family = {
    name: "pipeline_ingest_rejected_requests_total",
    help: "Requests refused whole, per source and HTTP status",
    type: "counter",
    samples: [],
  };
  for (const [id, value] of [...totals.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const [source, metric] = id.split("\u0001");
    const colon = metric.indexOf(":");
    if (colon < 0) {
      if (OUTCOMES.includes(metric)) {
        ingest.samples.push({ labels: { source, outcome: metric }, value });
      }
      continue;
    }
    const kind = metric.slice(0, colon);
    const name = metric.slice(colon + 1);
    if (kind === "reason") reasons.samples.push({ labels: { source, reason: name }, value });
    if (kind === "warning") warnings.samples.push({ labels: { source, field: name }, value });
    if (kind === "rejected") rejected.samples.push({ labels: { source, status: name }, value });
  }

  const jobGauge = (name: string, help: string): Family => ({
    name,
    help,
    type: "gauge",
    samples: [],
  });
  const duration = jobGauge(
    "pipeline_job_last_run_duration_seconds",
    "Duration of the latest finished run of each job",
  );
  const started = jobGauge(
    "pipeline_job_last_run_timestamp_seconds",
    "Start of the latest run of each job, Unix time",
  );
  const success = jobGauge(
    "pipeline_job_last_run_success",
    "1 when the latest finished run of each job succeeded, else 0",
  );
  const recordsIn = jobGauge(
    "pipeline_job_last_run_records_in",
    "Records consumed by the latest finished run",
  );
  const recordsOut = jobGauge(
    "pipeline_job_last_run_records_out",
    "Records written by the latest finished run",
  );
  for (const job of report.jobs) {
    const run = job.runs[0];
    if (!run) continue;
    const labels = { job: job.name };
    const start = Date.parse(run.started_at);
    started.samples.push({ labels, value: start / 1000 });
    if (run.finished_at === null) continue;
    duration.samples.push({ labels, value: (Date.parse(run.finished_at) - start) / 1000 });
    success.samples.push({ labels, value: run.status === "ok" ? 1 : 0 });
    recordsIn.samples.push({ labels, value: run.records_in });
    recordsOut.samples.push({ labels, value: run.records_out });
  }

  const backlog = jobGauge(
    "pipeline_stage_backlog_records",
    "Records received but not yet processed, per stage",
  );
  const lag = jobGauge(
    "pipeline_stage_lag_seconds",
    "Age of the oldest unprocessed record per stage (0 when drained)",
  );
  for (const s of report.stages) {
    backlog.samples.push({ labels: { stage: s.stage }, value: s.backlog });
    lag.samples.push({ labels: { stage: s.stage }, value: s.lag_seconds });
  }

  const lastReceived = jobGauge(
    "pipeline_source_last_received_timestamp_seconds",
    "Last time each source delivered, Unix time",
  );
  const late = jobGauge("pipeline_source_late", "1 when the source missed its cadence, else 0");
  for (const r of freshness.rows) {
    if (r.last_received_at !== null) {
      lastReceived.samples.push({
        labels: { source: r.source },
        value: Date.parse(r.last_received_at) / 1000,
      });
    }
    late.samples.push({ labels: { source: r.source }, value: r.late ? 1 : 0 });
  }

  const alertFamily: Family = {
    name: "pipeline_alerts_total",
    help: "Alerts raised, per kind",
    type: "counter",
    samples: (["anomaly", "freshness"] as const).map((kind) => ({
      labels: { kind },
      value: alerts[kind],
    })),
  };
  const pending = jobGauge(
    "pipeline_alert_outbox_pending",
    "Alerts not yet delivered to the webhook",
  );
  pending.samples.push({ labels: {}, value: outbox.length });
  const attempts = jobGauge(
    "pipeline_alert_outbox_max_attempts",
    "Most delivery attempts of a pending alert",
  );
  attempts.samples.push({ labels: {}, value: outbox.reduce((m, o) => Math.max(m, o.attempts), 0) });

  return render([
    ingest,
    reasons,
    warnings,
    rejected,
    started,
    duration,
    success,
    recordsIn,
    recordsOut,
    backlog,
    lag,
    lastReceived,
    late,
    alertFamily,
    pending,
    attempts,
  ]);
}
