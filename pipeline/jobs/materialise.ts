/**
 * `materialise`: recomputes the views whose dirty marks are set, from gold
 * counters (and, for inventory, the week's silver rows), writes them to
 * `goldView(kind, id)`, and deletes each mark with a check of its
 * versionstamp, so a mark set again meanwhile survives for the next run. An
 * empty answer deletes the view (the read API answers zeros), so incremental
 * and rebuilt gold hold the same views. One lease (`shard` 0).
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { counterValue } from "../../kv/counters.ts";
import {
  goldCountersOfBucket,
  goldRetentionAll,
  goldSkusOfBucket,
  goldView,
  goldViewsOf,
  metaDirtyOf,
  silverCatalogAll,
  silverCategoryWeeksAll,
  silverInventoryRowsOfWeek,
  silverInventoryWeek,
} from "../../kv/keys.ts";
import { listAll } from "../../kv/mod.ts";
import { addIsoWeeks, bucketKind, isoWeekOfMonday } from "../contracts/mod.ts";
import { VIEW } from "../gold/metrics.ts";
import { inventoryView } from "../gold/inventory_view.ts";
import {
  type CatalogLookup,
  type Counters,
  dailyView,
  eventView,
  orderView,
  retentionView,
  type SkuFigures,
} from "../gold/views.ts";
import type { CatalogEntry, InventoryWeek, SilverInventoryRow } from "../silver/inventory.ts";
import { type Fence, type JobOptions, pastDeadline, step, withLease } from "./fence.ts";
import type { JobOutcome } from "./runner.ts";
import { WriteSet } from "./write_set.ts";

/** Lease name of the job. */
export const MATERIALISE = "materialise";

const MARKS_PER_ROUND = 200;

/**
 * Recomputes every dirty view until no mark is left (or the deadline).
 * `records_in` counts marks consumed, `records_out` views written or removed.
 *
 * @example
 * ```ts
 * await materialise(kv, config);
 * ```
 */
export async function materialise(
  kv: Deno.Kv,
  _config: Config,
  opts: JobOptions = {},
): Promise<JobOutcome> {
  const outcome: JobOutcome = { records_in: 0, records_out: 0, busy: 0 };
  const held = await withLease(kv, { name: MATERIALISE }, opts, async (fence) => {
    while (!pastDeadline(opts)) {
      const done = await round(kv, fence, opts, outcome);
      if (!done) break;
    }
  });
  if (!held) outcome.busy = 1;
  return outcome;
}

type Mark = Deno.KvEntry<unknown>;

/** One round over at most {@link MARKS_PER_ROUND} marks of each kind; false when none was left. */
async function round(
  kv: Deno.Kv,
  fence: Fence,
  opts: JobOptions,
  outcome: JobOutcome,
): Promise<boolean> {
  const marks: Record<string, Mark[]> = {};
  let total = 0;
  for (const kind of Object.values(VIEW)) {
    marks[kind] = await listAll(kv, metaDirtyOf(kind), { limit: MARKS_PER_ROUND });
    total += marks[kind].length;
  }
  if (total === 0) return false;
  await step(opts, "listed");
  const idOf = (m: Mark) => m.key[3] as string;
  const orderIds = new Set(marks[VIEW.orders].map(idOf));
  if (marks[VIEW.catalog].length > 0) {
    for (const e of await listAll(kv, goldViewsOf(VIEW.orders))) orderIds.add(e.key[3] as string);
  }
  const inventoryIds = new Set(marks[VIEW.inventory].map(idOf));
  if (marks[VIEW.catalog].length > 0) {
    for (const e of await listAll(kv, goldViewsOf(VIEW.inventory))) {
      inventoryIds.add(e.key[3] as string);
    }
  }
  const eventIds = new Set(marks[VIEW.events].map(idOf));
  const dayIds = new Set([...orderIds, ...eventIds].filter((b) => bucketKind(b) === "day"));
  const counterIds = new Set([...orderIds, ...eventIds]);
  const counters = new Map<string, Counters>();
  await inChunks(fence, [...counterIds], async (b) => counters.set(b, await readCounters(kv, b)));
  const catalog = orderIds.size + inventoryIds.size > 0 ? await loadCatalog(kv) : null;

  const writes: { key: Deno.KvKey; value: unknown | null }[] = [];
  await inChunks(fence, [...orderIds], async (b) => {
    const skus = await readSkuFigures(kv, b);
    writes.push({
      key: goldView(VIEW.orders, b),
      value: orderView(b, counters.get(b)!, skus, catalog!),
    });
  });
  for (const b of eventIds) {
    writes.push({ key: goldView(VIEW.events, b), value: eventView(b, counters.get(b)!) });
  }
  for (const d of dayIds) {
    writes.push({ key: goldView(VIEW.daily, d), value: dailyView(d, counters.get(d)!) });
  }
  if (marks[VIEW.retention].length > 0) {
    writes.push({ key: goldView(VIEW.retention, "all"), value: await computeRetention(kv) });
  }
  await inChunks(fence, [...inventoryIds], async (week) => {
    writes.push({
      key: goldView(VIEW.inventory, week),
      value: await computeInventory(kv, week, catalog!),
    });
  });
  await step(opts, "computed");

  const toClear = Object.values(marks).flat();
  await commitViews(kv, fence, writes, toClear);
  outcome.records_in += toClear.length;
  outcome.records_out += writes.length;
  await step(opts, "committed");
  return true;
}

/** Runs `fn` over `items`, twenty at a time, keeping the lease alive through long rounds. */
async function inChunks<T>(
  fence: Fence,
  items: T[],
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += 20) {
    await Promise.all(items.slice(i, i + 20).map(fn));
    await fence.keepAlive();
  }
}

/** Every counter of a bucket, by metric. */
export async function readCounters(kv: Deno.Kv, bucket: string): Promise<Counters> {
  const out: Counters = new Map();
  for await (const e of kv.list({ prefix: goldCountersOfBucket(bucket) }, { batchSize: 100 })) {
    out.set(e.key[3] as string, counterValue(e.value));
  }
  return out;
}

/** Every SKU's counters of a bucket. */
export async function readSkuFigures(
  kv: Deno.Kv,
  bucket: string,
): Promise<Map<string, SkuFigures>> {
  const out = new Map<string, SkuFigures>();
  for await (const e of kv.list({ prefix: goldSkusOfBucket(bucket) }, { batchSize: 1000 })) {
    const sku = e.key[3] as string;
    const f = out.get(sku) ?? { revenue_cents: 0, units: 0, revenue_lines: 0 };
    f[e.key[4] as keyof SkuFigures] = counterValue(e.value);
    out.set(sku, f);
  }
  return out;
}

/** The catalog with category display names (the spelling of the earliest week). */
export async function loadCatalog(kv: Deno.Kv): Promise<CatalogLookup> {
  const display = new Map<string, string>();
  for (const e of await listAll<string>(kv, silverCategoryWeeksAll())) {
    const key = e.key[2] as string;
    if (!display.has(key)) display.set(key, e.value);
  }
  const entries = new Map<string, CatalogEntry>();
  for (const e of await listAll<CatalogEntry>(kv, silverCatalogAll())) {
    entries.set(e.key[2] as string, e.value);
  }
  return {
    product(sku) {
      const c = entries.get(sku);
      if (!c) return null;
      return { name: c.name, category: display.get(c.categoryKey) ?? c.category };
    },
  };
}

async function computeRetention(kv: Deno.Kv) {
  const cells = new Map<string, Map<number, number>>();
  for (const e of await listAll(kv, goldRetentionAll())) {
    const cohort = e.key[2] as string;
    const m = cells.get(cohort) ?? new Map<number, number>();
    m.set(e.key[3] as number, counterValue(e.value));
    cells.set(cohort, m);
  }
  return retentionView(cells);
}

async function computeInventory(kv: Deno.Kv, monday: string, catalog: CatalogLookup) {
  const current = await kv.get<InventoryWeek>(silverInventoryWeek(monday));
  if (!current.value) return null;
  const rows = (await listAll<SilverInventoryRow>(kv, silverInventoryRowsOfWeek(monday)))
    .map((e) => e.value);
  if (rows.length === 0) return null;
  const week = isoWeekOfMonday(monday);
  const units = new Map<string, number>();
  for (let k = 1; k <= 4; k++) {
    for (const [sku, f] of await readSkuFigures(kv, addIsoWeeks(week, -k))) {
      if (f.units !== 0) units.set(sku, (units.get(sku) ?? 0) + f.units);
    }
  }
  return inventoryView(monday, rows, units, (sku) => catalog.product(sku)?.name ?? "");
}

/** Writes views and clears marks; a mark re-set meanwhile is kept. */
async function commitViews(
  kv: Deno.Kv,
  fence: Fence,
  writes: { key: Deno.KvKey; value: unknown | null }[],
  marks: Mark[],
): Promise<void> {
  let ws = new WriteSet();
  const flush = async () => {
    if (ws.mutations > 0) await fence.commit(ws);
    ws = new WriteSet();
  };
  for (const w of writes) {
    const size = w.value === null ? 0 : JSON.stringify(w.value).length;
    if (!ws.fits({ mutations: 1, bytes: size + 200 })) await flush();
    if (w.value === null) ws.delete(w.key);
    else ws.set(w.key, w.value);
  }
  await flush();
  for (let i = 0; i < marks.length; i += 80) {
    const chunk = marks.slice(i, i + 80);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = attempt === 0 ? chunk : await stillUnchanged(kv, chunk);
      if (current.length === 0) break;
      const mws = new WriteSet();
      for (const m of current) {
        mws.check({ key: m.key, versionstamp: m.versionstamp });
        mws.delete(m.key);
      }
      if (await fence.commit(mws)) break;
    }
  }
}

async function stillUnchanged(kv: Deno.Kv, marks: Mark[]): Promise<Mark[]> {
  const out: Mark[] = [];
  for (let i = 0; i < marks.length; i += 10) {
    const got = await kv.getMany(marks.slice(i, i + 10).map((m) => m.key));
    got.forEach((g, j) => {
      if (g.versionstamp === marks[i + j].versionstamp) out.push(marks[i + j]);
    });
  }
  return out;
}
