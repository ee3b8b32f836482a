/**
 * Monitoring endpoints of shared/spec/api.md (admin token): quality,
 * pipeline health, alerts, quarantine browsing and replay, running the
 * pipeline, and `GET /metrics`. Handlers validate parameters and call
 * `pipeline/monitoring`.
 *
 * @module
 */

import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../deps.ts";
import { HttpError } from "../errors.ts";
import { adminAuth } from "./auth.ts";
import {
  addDays,
  dayOf,
  daysInRange,
  isDay,
  MAX_RANGE_DAYS,
} from "../../pipeline/contracts/buckets.ts";
import { REASON_CODES } from "../../pipeline/contracts/types.ts";
import { runAllJobs } from "../../pipeline/jobs/run_all.ts";
import {
  BadCursorError,
  isReasonCode,
  isReconciliationKind,
  listQuarantine,
  listReconciliation,
  METRICS_CONTENT_TYPE,
  readAlerts,
  readPipelineReport,
  readQuality,
  renderMetrics,
  replayQuarantine,
  runMonitoringJobs,
} from "../../pipeline/monitoring/mod.ts";

const SOURCES = ["events", "orders", "inventory"] as const;

/** Days shown by `/v1/quality` when no range is given. */
const DEFAULT_QUALITY_DAYS = 30;

function dayParam(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!isDay(value)) {
    throw new HttpError(
      400,
      "invalid_parameter",
      `Parameter "${name}" value "${value.slice(0, 40)}" is not a YYYY-MM-DD day`,
    );
  }
  return value;
}

function rangeParams(from: string | undefined, to: string | undefined): void {
  if (from !== undefined && to !== undefined) {
    if (from > to) {
      throw new HttpError(400, "invalid_range", `Range start "${from}" is after its end "${to}"`);
    }
    try {
      daysInRange(from, to);
    } catch {
      throw new HttpError(
        400,
        "invalid_range",
        `Range "${from}" to "${to}" is longer than ${MAX_RANGE_DAYS} days`,
      );
    }
  }
}

function limitParam(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 500) {
    throw new HttpError(
      400,
      "invalid_parameter",
      `Parameter "limit" value "${value.slice(0, 20)}" is not a whole number from 1 to 500`,
    );
  }
  return Number(value);
}

function sourceParam(value: string | undefined): typeof SOURCES[number] | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(SOURCES as readonly string[]).includes(value)) {
    throw new HttpError(
      400,
      "invalid_parameter",
      `Parameter "source" value "${value.slice(0, 40)}" is not one of events, orders, inventory`,
    );
  }
  return value as typeof SOURCES[number];
}

function reasonParam(value: string | undefined) {
  if (value === undefined || value === "") return undefined;
  if (!isReasonCode(value)) {
    throw new HttpError(
      400,
      "invalid_parameter",
      `Parameter "reason" value "${value.slice(0, 40)}" is not a reason code`,
    );
  }
  return value;
}

/** Runs a paged read, turning a cursor we did not issue into a `400`. */
async function paged<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof BadCursorError) throw new HttpError(400, "invalid_cursor", err.message);
    throw err;
  }
}

const replayBody = z.union([
  z.object({ ids: z.array(z.string().min(1).max(200)).min(1).max(10_000) }).strict(),
  z.object({
    source: z.enum(SOURCES).optional(),
    reason: z.enum(REASON_CODES).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  }).strict(),
]);

async function jsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new HttpError(
      415,
      "unsupported_media_type",
      `Content type "${type.slice(0, 60)}" is not accepted, use "application/json"`,
    );
  }
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new HttpError(413, "too_large", `Body is larger than ${maxBytes} bytes`);
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, "malformed", "Body is not valid JSON");
  }
}

/**
 * The monitoring routes.
 *
 * @example
 * ```ts
 * app.route("/", monitoringRoutes(deps));
 * ```
 */
export function monitoringRoutes(deps: AppDeps): Hono {
  const { kv, config } = deps;
  const app = new Hono();
  const auth = adminAuth(config);
  for (
    const path of [
      "/v1/quality",
      "/v1/quality/*",
      "/v1/pipeline",
      "/v1/pipeline/*",
      "/v1/alerts",
      "/v1/quarantine",
      "/v1/quarantine/*",
      "/metrics",
    ]
  ) {
    app.use(path, auth);
  }

  app.get("/v1/quality", async (c) => {
    let from = dayParam("from", c.req.query("from"));
    let to = dayParam("to", c.req.query("to"));
    if ((from === undefined) !== (to === undefined)) {
      throw new HttpError(400, "invalid_range", `Parameters "from" and "to" go together`);
    }
    to ??= dayOf(Date.now());
    from ??= addDays(to, 1 - DEFAULT_QUALITY_DAYS);
    rangeParams(from, to);
    return c.json(await readQuality(kv, config, { from, to }));
  });

  app.get("/v1/quality/reconciliation", async (c) => {
    const day = dayParam("day", c.req.query("day"));
    if (day === undefined) {
      throw new HttpError(400, "invalid_parameter", `Parameter "day" is required`);
    }
    const kind = c.req.query("kind") ?? "";
    if (!isReconciliationKind(kind)) {
      throw new HttpError(
        400,
        "invalid_parameter",
        `Parameter "kind" value "${kind.slice(0, 40)}" is not a reconciliation kind`,
      );
    }
    const cursor = c.req.query("cursor") || undefined;
    const limit = limitParam(c.req.query("limit"));
    return c.json(await paged(() => listReconciliation(kv, { day, kind, cursor, limit })));
  });

  app.get("/v1/pipeline", async (c) => c.json(await readPipelineReport(kv)));

  app.post("/v1/pipeline/run", async (c) => {
    const pipeline = await runAllJobs(kv, config);
    const monitoring = await runMonitoringJobs(kv, config);
    return c.json({
      drained: pipeline.drained,
      jobs: pipeline.jobs,
      monitoring: {
        ran: monitoring.ran,
        checks: monitoring.checks,
        freshness: monitoring.freshness,
        anomalies: monitoring.anomalies,
        delivery: monitoring.delivery,
        runs: monitoring.runs.map((r) => ({ name: r.name, status: r.status, error: r.error })),
      },
    });
  });

  app.get("/v1/alerts", async (c) => {
    const from = dayParam("from", c.req.query("from"));
    const to = dayParam("to", c.req.query("to"));
    rangeParams(from, to);
    const alerts = await readAlerts(kv, { from, to });
    return c.json({
      alerts: alerts.map(({ message: _m, ...alert }) => ({ ...alert, message: _m })),
    });
  });

  app.get("/v1/quarantine", async (c) => {
    const source = sourceParam(c.req.query("source"));
    const reason = reasonParam(c.req.query("reason"));
    const limit = limitParam(c.req.query("limit"));
    const cursor = c.req.query("cursor") || undefined;
    return c.json(await paged(() => listQuarantine(kv, { source, reason, cursor, limit })));
  });

  app.post("/v1/quarantine/replay", async (c) => {
    const parsed = replayBody.safeParse(await jsonBody(c.req.raw, config.limits.jsonBytes));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "body";
      throw new HttpError(
        400,
        "invalid_body",
        `Field "${field}" is not valid: ${issue?.message ?? "unknown problem"}`,
      );
    }
    return c.json(await replayQuarantine(kv, config, parsed.data));
  });

  app.get("/metrics", async (c) => {
    const text = await renderMetrics(kv, config);
    return c.body(text, 200, { "content-type": METRICS_CONTENT_TYPE });
  });

  return app;
}
