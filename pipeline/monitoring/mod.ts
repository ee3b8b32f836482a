/**
 * Monitoring: data quality, cross-source reconciliation, freshness, pipeline
 * health, anomaly alerts with webhook delivery, quarantine browsing and
 * replay, and Prometheus metrics. Decisions: docs/monitoring.md.
 *
 * @module
 */

export { readQuality, readQualityDays, type ReadQualityOptions } from "./quality.ts";
export {
  computeDay,
  isReconciliationKind,
  listReconciliation,
  type ListReconciliationOptions,
  type ReconciliationPage,
  runChecks,
  type RunChecksOptions,
} from "./reconciliation.ts";
export * from "./reconciliation_types.ts";
export { checkFreshness, readFreshness } from "./freshness.ts";
export { oldestPendingReceipt, readPipelineReport } from "./pipeline_report.ts";
export { detectAnomalies, type DetectAnomaliesOptions } from "./anomalies.ts";
export { median, robustScore, type RobustVerdict } from "./robust_score.ts";
export { alertId, raiseAlert, readAlerts, type StoredAlert } from "./alerts.ts";
export { deliverAlerts, type DeliverAlertsOptions, listOutbox } from "./delivery.ts";
export {
  BadCursorError,
  isReasonCode,
  listQuarantine,
  type ListQuarantineOptions,
  type QuarantinePage,
} from "./quarantine_list.ts";
export { replayQuarantine, type ReplayResult, type ReplaySelection } from "./replay.ts";
export { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.ts";
export { type MonitoringResult, runMonitoringJobs } from "./jobs.ts";
