/**
 * Cross-source reconciliation per order day (shared/spec/kpis.md, "Data
 * quality"), computed by the checks job from the pipeline's silver indexes:
 *
 * - `orders_unknown_sku`: revenue lines of the day whose SKU no inventory
 *   snapshot contains (SKU counters `revenue_lines` of the day, against the
 *   catalog);
 * - `orders_without_event`: orders with a line on the day that no
 *   `Order Completed` event names (`silverOrderByDay`, `silverOrderEvent`);
 * - `events_without_order`: `Order Completed` events of the day naming an
 *   order no orders file has (`silverOrderEventByDay`, `silverOrder`);
 * - revenue mismatches: orders whose event revenue (the latest such event,
 *   valued with the FX table) differs from the value of their revenue lines.
 *
 * Each day's figures go to `goldView("cross_source", day)` and its findings to
 * `goldReconciliation(day, kind, item)`, browsable with `listReconciliation`
 * (reconciliation_list.ts).
 *
 * @module
 */

import type { Config } from "../../config.ts";
import {
  goldReconciliation,
  goldReconciliationOf,
  goldView,
  goldViewsOf,
  metaDirty,
  silverInventoryWeeks,
  silverOrderEventsByDayAll,
  silverOrdersByDayAll,
} from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import { isDay } from "../contracts/mod.ts";
import { VIEW } from "../gold/metrics.ts";
import {
  CROSS_SOURCE_VIEW,
  type CrossSourceView,
  type ReconciliationItem,
} from "./reconciliation_types.ts";
import { updateEventRevenueIndex } from "./event_revenue_index.ts";
import { computeDay, type DayResult } from "./reconciliation_day.ts";

export { computeDay } from "./reconciliation_day.ts";
export {
  isReconciliationKind,
  listReconciliation,
  type ListReconciliationOptions,
  type ReconciliationPage,
} from "./reconciliation_list.ts";

/** The most recent order days always recomputed (their inputs change across days). */
export const RECENT_DAYS_ALWAYS_CHECKED = 7;

/** Every distinct key part after `prefix` (one read per value: a skip scan). */
async function distinctParts(kv: Deno.Kv, prefix: Deno.KvKey): Promise<string[]> {
  const out: string[] = [];
  let start: Deno.KvKey | undefined;
  for (;;) {
    let next: string | null = null;
    for await (const e of kv.list(start ? { prefix, start } : { prefix }, { limit: 1 })) {
      next = e.key[prefix.length] as string;
    }
    if (next === null) return out;
    out.push(next);
    start = [...prefix, `${next}\u0000`];
  }
}

/** The order days any index knows of, plus the days already checked. */
async function knownDays(kv: Deno.Kv): Promise<string[]> {
  const [a, b, c] = await Promise.all([
    distinctParts(kv, silverOrdersByDayAll()),
    distinctParts(kv, silverOrderEventsByDayAll()),
    distinctParts(kv, goldViewsOf(CROSS_SOURCE_VIEW)),
  ]);
  return [...new Set([...a, ...b, ...c])].filter(isDay).sort();
}

async function catalogVersion(kv: Deno.Kv): Promise<string> {
  let max = "";
  for await (const e of kv.list({ prefix: silverInventoryWeeks() })) {
    if (e.versionstamp > max) max = e.versionstamp;
  }
  return max;
}

/** What the day's figures depend on, as versionstamps (equal fingerprints: nothing to redo). */
async function fingerprints(
  kv: Deno.Kv,
  days: string[],
  catalog: string,
): Promise<Map<string, string>> {
  const keys: Deno.KvKey[] = [];
  for (const d of days) {
    keys.push(
      goldView(VIEW.orders, d),
      goldView(VIEW.events, d),
      metaDirty(VIEW.orders, d),
      metaDirty(VIEW.events, d),
    );
  }
  const entries = await getManyChunked(kv, keys);
  const out = new Map<string, string>();
  days.forEach((d, i) => {
    const parts = entries.slice(i * 4, i * 4 + 4).map((e) => e.versionstamp ?? "-");
    out.set(d, [...parts, catalog].join("."));
  });
  return out;
}

function itemId(item: ReconciliationItem): string {
  return item.kind === "orders_unknown_sku" ? item.sku : item.order_id;
}

/** Replaces a day's stored findings and figures by `result`. */
async function storeDay(
  kv: Deno.Kv,
  result: DayResult,
  fingerprint: string,
  now: number,
): Promise<void> {
  const day = result.view.date;
  const wanted = new Map<string, [Deno.KvKey, ReconciliationItem]>();
  for (const item of result.items) {
    const key = goldReconciliation(day, item.kind, itemId(item));
    wanted.set(JSON.stringify(key), [key, item]);
  }
  const mutations: ((op: Deno.AtomicOperation) => void)[] = [];
  for await (const e of kv.list<ReconciliationItem>({ prefix: goldReconciliationOf(day) })) {
    const id = JSON.stringify(e.key);
    const w = wanted.get(id);
    if (!w) mutations.push((op) => op.delete(e.key));
    else if (JSON.stringify(w[1]) === JSON.stringify(e.value)) wanted.delete(id);
  }
  for (const [key, item] of wanted.values()) mutations.push((op) => op.set(key, item));
  for (let i = 0; i < mutations.length; i += 800) {
    const op = kv.atomic();
    for (const m of mutations.slice(i, i + 800)) m(op);
    await op.commit();
  }
  const view: CrossSourceView = {
    ...result.view,
    checked_at: new Date(now).toISOString(),
    fingerprint,
  };
  const empty = result.view.orders_checked === 0 && result.view.order_events_checked === 0;
  if (empty) await kv.delete(goldView(CROSS_SOURCE_VIEW, day));
  else await kv.set(goldView(CROSS_SOURCE_VIEW, day), view);
}

/** Options of {@link runChecks}. */
export interface RunChecksOptions {
  /** Only these order days (default: every day whose inputs changed, plus the latest 7). */
  days?: string[];
  /** Recompute every known day, changed or not. */
  full?: boolean;
  /** Epoch ms stamped as `checked_at` (default `Date.now()`). */
  now?: number;
}

/** What one checks run did. */
export interface ChecksOutcome {
  /** Order days recomputed. */
  days_checked: number;
  /** Order days left as they were (inputs unchanged). */
  days_unchanged: number;
  /** New or changed event-revenue index entries. */
  event_revenues_indexed: number;
  /** Findings stored over the recomputed days. */
  findings: number;
}

/**
 * The checks job: refreshes the event-revenue index, then recomputes the
 * cross-source figures and findings of every order day whose inputs changed
 * (by the versionstamps of the day's order and event views, the inventory
 * weeks and new event revenues), and always of the latest
 * {@link RECENT_DAYS_ALWAYS_CHECKED} days, whose figures can change through
 * another day's data (an order applied on one day, its event on the next).
 *
 * @example
 * ```ts
 * const outcome = await runChecks(kv, config);
 * ```
 */
export async function runChecks(
  kv: Deno.Kv,
  config: Config,
  options: RunChecksOptions = {},
): Promise<ChecksOutcome> {
  const now = options.now ?? Date.now();
  const scan = await updateEventRevenueIndex(kv);
  const days = options.days ? [...new Set(options.days)].filter(isDay).sort() : await knownDays(kv);
  const catalog = await catalogVersion(kv);
  const prints = await fingerprints(kv, days, catalog);
  const stored = await getManyChunked<CrossSourceView>(
    kv,
    days.map((d) => goldView(CROSS_SOURCE_VIEW, d)),
  );
  const recent = new Set(days.slice(-RECENT_DAYS_ALWAYS_CHECKED));
  const outcome: ChecksOutcome = {
    days_checked: 0,
    days_unchanged: 0,
    event_revenues_indexed: scan.indexed,
    findings: 0,
  };
  for (let i = 0; i < days.length; i++) {
    const day = days[i];
    const print = prints.get(day)!;
    const force = options.full || options.days !== undefined || recent.has(day) ||
      scan.days.has(day);
    if (!force && stored[i].value?.fingerprint === print) {
      outcome.days_unchanged++;
      continue;
    }
    const result = await computeDay(kv, config, day);
    await storeDay(kv, result, print, now);
    outcome.days_checked++;
    outcome.findings += result.items.length;
  }
  return outcome;
}
