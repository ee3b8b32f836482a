/**
 * The KPI read functions behind `GET /v1/kpis/*` and the dashboard. Each
 * reads only gold views (one `get`, or one range `list` for the daily series),
 * never silver, so its cost does not grow with the data. A bucket with no data
 * answers zeros.
 *
 * @module
 */

import { goldView, goldViewsOf } from "../../kv/keys.ts";
import { HttpError } from "../../routes/errors.ts";
import {
  addDays,
  bucketKind,
  dayNumberOrNullSafe,
  isoWeekOfMonday,
  MAX_RANGE_DAYS,
  mondayOfIsoWeek,
} from "./calendar.ts";
import { VIEW } from "../gold/metrics.ts";
import { emptyDailyRow, emptyEventView, emptyOrderView } from "../gold/views.ts";
import type {
  DailyKpis,
  DailyRow,
  EventKpis,
  InventoryKpis,
  OrderKpis,
  RetentionKpis,
} from "./types.ts";

function quoted(value: unknown): string {
  return `"${String(value).slice(0, 40)}"`;
}

/**
 * Validates a bucket name (`YYYY-MM-DD`, `YYYY-Www`, `YYYY-MM` or `all`).
 * Throws `400 invalid_bucket` otherwise.
 *
 * @example
 * ```ts
 * parseBucket("2026-W48"); // "2026-W48"
 * ```
 */
export function parseBucket(bucket: string | null | undefined): string {
  if (typeof bucket !== "string" || bucketKind(bucket) === null) {
    throw new HttpError(
      400,
      "invalid_bucket",
      bucket === undefined || bucket === null
        ? `Parameter "bucket" is missing`
        : `Bucket ${quoted(bucket)} is not a day, ISO week, month or "all"`,
    );
  }
  return bucket;
}

/**
 * Order KPIs of a bucket.
 *
 * @example
 * ```ts
 * const k = await readOrderKpis(kv, "2026-11");
 * console.log(k.revenue_cents, k.top_products);
 * ```
 */
export async function readOrderKpis(kv: Deno.Kv, bucket: string): Promise<OrderKpis> {
  const b = parseBucket(bucket);
  const view = await kv.get<OrderKpis>(goldView(VIEW.orders, b));
  return view.value ?? emptyOrderView(b);
}

/** Event KPIs of a bucket, funnel included. */
export async function readEventKpis(kv: Deno.Kv, bucket: string): Promise<EventKpis> {
  const b = parseBucket(bucket);
  const view = await kv.get<EventKpis>(goldView(VIEW.events, b));
  return view.value ?? emptyEventView(b);
}

function parseDay(name: string, value: string | null | undefined): string {
  if (typeof value !== "string" || dayNumberOrNullSafe(value) === null) {
    throw new HttpError(
      400,
      "invalid_date",
      value === undefined || value === null
        ? `Parameter "${name}" is missing`
        : `Parameter "${name}" ${quoted(value)} is not a YYYY-MM-DD date`,
    );
  }
  return value;
}

/**
 * The daily series from `from` to `to` inclusive, every day present (zeros
 * included). At most {@link MAX_RANGE_DAYS} days.
 *
 * @example
 * ```ts
 * const { days } = await readDaily(kv, "2026-11-01", "2026-11-30");
 * ```
 */
export async function readDaily(kv: Deno.Kv, from: string, to: string): Promise<DailyKpis> {
  const a = parseDay("from", from);
  const b = parseDay("to", to);
  const span = dayNumberOrNullSafe(b)! - dayNumberOrNullSafe(a)! + 1;
  if (span < 1) {
    throw new HttpError(
      400,
      "invalid_range",
      `Range start ${quoted(a)} is after its end ${quoted(b)}`,
    );
  }
  if (span > MAX_RANGE_DAYS) {
    throw new HttpError(
      400,
      "invalid_range",
      `Range ${quoted(a)} to ${quoted(b)} is longer than ${MAX_RANGE_DAYS} days`,
    );
  }
  const found = new Map<string, DailyRow>();
  const iter = kv.list<DailyRow>({
    start: goldView(VIEW.daily, a),
    end: goldView(VIEW.daily, addDays(b, 1)),
  }, { batchSize: Math.min(span, 1000) });
  for await (const e of iter) found.set(e.key[3] as string, e.value);
  const days: DailyRow[] = [];
  for (let i = 0, d = a; i < span; i++, d = addDays(d, 1)) {
    days.push(found.get(d) ?? emptyDailyRow(d));
  }
  return { days };
}

/** Weekly retention cohorts. */
export async function readRetention(kv: Deno.Kv): Promise<RetentionKpis> {
  const view = await kv.get<RetentionKpis>(goldView(VIEW.retention, "all"));
  return view.value ?? { cohorts: [] };
}

/**
 * Parses the `week` parameter: `latest`, a Monday `YYYY-MM-DD`, or an ISO week
 * `YYYY-Www`; returns `"latest"` or the Monday. Throws `400 invalid_week`.
 */
export function parseWeek(week: string | null | undefined): string {
  if (week === "latest") return week;
  if (typeof week === "string") {
    if (bucketKind(week) === "week") return mondayOfIsoWeek(week);
    if (bucketKind(week) === "day") {
      try {
        isoWeekOfMonday(week);
        return week;
      } catch {
        // not a Monday: refused below
      }
    }
  }
  throw new HttpError(
    400,
    "invalid_week",
    week === undefined || week === null
      ? `Parameter "week" is missing`
      : `Week ${quoted(week)} is not "latest", a Monday YYYY-MM-DD or YYYY-Www`,
  );
}

/** Inventory KPIs with every figure zero (a week with no snapshot). */
export function emptyInventoryView(week: string): InventoryKpis {
  return {
    week,
    skus: 0,
    rows: 0,
    on_hand_units: 0,
    stockout_rows: 0,
    low_stock_rows: 0,
    stock_value_cents: 0,
    days_of_cover: null,
    at_risk_skus: [],
    stockouts: [],
    low_stock: [],
  };
}

/**
 * Inventory KPIs of a snapshot week (`latest`, a Monday, or `YYYY-Www`);
 * `null` for `latest` when no snapshot has been processed yet.
 *
 * @example
 * ```ts
 * const inv = await readInventoryKpis(kv, "latest");
 * ```
 */
export async function readInventoryKpis(
  kv: Deno.Kv,
  week: string,
): Promise<InventoryKpis | null> {
  const w = parseWeek(week);
  if (w === "latest") {
    for await (
      const e of kv.list<InventoryKpis>({ prefix: goldViewsOf(VIEW.inventory) }, {
        reverse: true,
        limit: 1,
      })
    ) return e.value;
    return null;
  }
  const view = await kv.get<InventoryKpis>(goldView(VIEW.inventory, w));
  return view.value ?? emptyInventoryView(w);
}
