/**
 * Rows of the `gold/daily` export: the daily KPIs of the read API
 * (`readDaily`, pipeline/read/kpis.ts), one row per day of the range, zeros
 * included, read 31 days at a time so a long history never sits in memory at
 * once.
 *
 * @module
 */

import { goldViewsOf } from "../../kv/keys.ts";
import { readDaily } from "../read/kpis.ts";
import { VIEW } from "../gold/metrics.ts";
import { type Cell, rowOf } from "./cells.ts";
import type { RowOptions } from "./rows.ts";
import type { ExportTable } from "./tables.ts";

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Days read per call of the daily reader. */
const WINDOW_DAYS = 31;

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function msOf(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

async function edgeDay(kv: Deno.Kv, reverse: boolean): Promise<string | undefined> {
  const prefix = goldViewsOf(VIEW.daily);
  for await (const entry of kv.list({ prefix }, { limit: 1, reverse })) {
    const day = entry.key[prefix.length];
    if (typeof day === "string" && DAY.test(day)) return day;
  }
  return undefined;
}

/**
 * The range of a daily export: `from`/`to` as given; a missing end is the
 * first (or last) day that has a materialised daily view, i.e. any data, so
 * a plain export covers the whole history and nothing beyond it.
 */
export async function dailyRange(
  kv: Deno.Kv,
  options: RowOptions,
): Promise<{ from: string; to: string } | undefined> {
  const from = options.from ?? await edgeDay(kv, false);
  const to = options.to ?? await edgeDay(kv, true);
  if (from === undefined || to === undefined || from > to) return undefined;
  return { from, to };
}

/** Batches of `gold/daily` rows, a window of days per batch. */
export async function* dailyBatches(
  kv: Deno.Kv,
  table: ExportTable,
  options: RowOptions,
): AsyncGenerator<Cell[][]> {
  const range = await dailyRange(kv, options);
  if (!range) return;
  const end = msOf(range.to);
  for (let start = msOf(range.from); start <= end; start += WINDOW_DAYS * DAY_MS) {
    const last = Math.min(end, start + (WINDOW_DAYS - 1) * DAY_MS);
    const answer = await readDaily(kv, dayOf(start), dayOf(last));
    const rows = answer.days.map((day) => rowOf(table.columns, day, []));
    if (rows.length > 0) yield rows;
  }
}
