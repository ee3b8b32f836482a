/**
 * File endpoints: `POST /v1/uploads/orders?date=YYYY-MM-DD` (CSV, streamed)
 * and `POST /v1/uploads/inventory?week=YYYY-MM-DD` (XLSX). See docs/ingest.md.
 *
 * @module
 */

import type { Context } from "hono";
import type { AppDeps } from "../deps.ts";
import { HttpError } from "../errors.ts";
import { bodyStream, mediaType, readBody } from "../../pipeline/ingest/body.ts";
import { ingestInventoryUpload, ingestOrdersUpload } from "../../pipeline/ingest/uploads.ts";
import type { UploadLeaseOptions } from "../../pipeline/ingest/fenced_writer.ts";
import { isDay, weekdayOf } from "../../pipeline/contracts/buckets.ts";
import { authorizeHeader, unauthorized, unsupportedType } from "./events.ts";
import type { RateLimiter } from "./rate_limit.ts";

const CSV_TYPES = new Set([
  "text/csv",
  "application/csv",
  "text/plain",
  "application/vnd.ms-excel",
  "application/octet-stream",
]);

const XLSX_TYPES = new Set([
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.ms-excel.sheet.macroenabled.12",
  "application/octet-stream",
  "application/zip",
  "application/x-zip-compressed",
]);

function requireAuth(c: Context, deps: AppDeps, limiter: RateLimiter): void {
  if (!authorizeHeader(c, deps, limiter)) throw unauthorized();
}

function requireType(c: Context, types: Set<string>, expected: string): void {
  const type = mediaType(c.req.raw);
  if (!types.has(type)) throw unsupportedType(type, expected);
}

/** The date in a file name (`orders_2026-11-20.csv` → `2026-11-20`), if any. */
export function dateInFileName(name: string | undefined): string | undefined {
  const m = name ? /(\d{4}-\d{2}-\d{2})/.exec(name) : null;
  return m ? m[1] : undefined;
}

/** The business date of an orders upload: `?date=`, else a date in `?filename=`; else a `400`. */
export function uploadDate(c: Context): string {
  const date = c.req.query("date") ?? dateInFileName(c.req.query("filename"));
  if (date === undefined || date === "") {
    throw new HttpError(
      400,
      "missing_date",
      "Give the business date as ?date=YYYY-MM-DD or a file name containing it",
    );
  }
  if (!isDay(date)) {
    throw new HttpError(400, "invalid_date", `Date "${date.slice(0, 40)}" is not a YYYY-MM-DD day`);
  }
  return date;
}

/** The week of an inventory upload from `?week=` or `?filename=`, checked to be a Monday. */
export function uploadWeek(c: Context): string | undefined {
  const week = c.req.query("week") ?? dateInFileName(c.req.query("filename"));
  if (week === undefined || week === "") return undefined;
  if (!isDay(week) || weekdayOf(week) !== 1) {
    throw new HttpError(
      400,
      "invalid_week",
      `Week "${week.slice(0, 40)}" is not a Monday (YYYY-MM-DD)`,
    );
  }
  return week;
}

/** `POST /v1/uploads/orders`. */
export async function handleOrdersUpload(
  c: Context,
  deps: AppDeps,
  limiter: RateLimiter,
  lease: UploadLeaseOptions = {},
): Promise<Response> {
  requireAuth(c, deps, limiter);
  requireType(c, CSV_TYPES, "text/csv");
  const date = uploadDate(c);
  const stream = bodyStream(c.req.raw, { limit: deps.config.limits.uploadBytes, what: "Upload" });
  const answer = await ingestOrdersUpload(deps.kv, stream, {
    ...lease,
    date,
    fileName: c.req.query("filename"),
    fxRates: deps.config.fxRates,
    maxRowChars: deps.config.limits.eventBytes,
  });
  return c.json(answer);
}

/** `POST /v1/uploads/inventory`. */
export async function handleInventoryUpload(
  c: Context,
  deps: AppDeps,
  limiter: RateLimiter,
  lease: UploadLeaseOptions = {},
): Promise<Response> {
  requireAuth(c, deps, limiter);
  requireType(
    c,
    XLSX_TYPES,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  );
  const week = uploadWeek(c);
  const bytes = await readBody(c.req.raw, {
    limit: deps.config.limits.uploadBytes,
    what: "Upload",
  });
  const answer = await ingestInventoryUpload(deps.kv, bytes, {
    ...lease,
    week,
    fileName: c.req.query("filename"),
    limits: deps.config.limits,
  });
  return c.json(answer);
}
