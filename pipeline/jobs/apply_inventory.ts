/**
 * `apply_inventory`: classified inventory uploads → the week's snapshot rows,
 * SKU weeks, catalog and category spellings. One lease (`shard` 0).
 *
 * An upload is applied in two phases. Rows: staged rows are written over the
 * week's rows in batches that advance the upload's `applyCursor` (with the
 * backlog decrement). Finalise: from the week's rows, the SKU weeks and the
 * catalog are updated, then the category spellings, then the rows of the
 * previous snapshot are deleted, and last the week points at the upload and
 * the upload is `applied`. Every finalise step is idempotent and removes old
 * rows only after everything derived from them is done, so a crash anywhere
 * resumes correctly (docs/pipeline.md, "apply_inventory").
 *
 * @module
 */

import type { Config } from "../../config.ts";
import {
  bronzeUpload,
  metaBacklog,
  silverCatalog,
  silverCategoryWeek,
  silverCategoryWeeksAll,
  silverInventoryRow,
  silverInventoryRowsOfWeek,
  silverInventoryWeek,
  silverSkuWeek,
  silverSkuWeeks,
} from "../../kv/keys.ts";
import { getManyChunked, listAll } from "../../kv/mod.ts";
import type { UploadRecord } from "../ingest/upload_types.ts";
import { VIEW } from "../gold/metrics.ts";
import {
  type CatalogEntry,
  catalogEntryOf,
  type InventoryWeek,
  sameCatalogEntry,
  type SilverInventoryRow,
  type SkuWeek,
  summariseWeek,
} from "../silver/inventory.ts";
import { type Fence, type JobOptions, pastDeadline, step, withLease } from "./fence.ts";
import type { JobOutcome } from "./runner.ts";
import { classifiedUploads, stagedRowsAfter } from "./uploads.ts";
import { WriteSet } from "./write_set.ts";

/** Lease name of the job. */
export const APPLY_INVENTORY = "apply_inventory";

/**
 * Applies every classified inventory upload in upload order. An upload older
 * than the week's current snapshot is consumed without effect.
 *
 * @example
 * ```ts
 * await applyInventory(kv, config);
 * ```
 */
export async function applyInventory(
  kv: Deno.Kv,
  _config: Config,
  opts: JobOptions = {},
): Promise<JobOutcome> {
  const outcome: JobOutcome = { records_in: 0, records_out: 0, busy: 0 };
  const held = await withLease(kv, { name: APPLY_INVENTORY }, opts, async (fence) => {
    for (const upload of await classifiedUploads(kv, "inventory")) {
      if (pastDeadline(opts)) break;
      await applyUpload(kv, fence, upload, opts, outcome);
    }
  });
  if (!held) outcome.busy = 1;
  return outcome;
}

async function applyUpload(
  kv: Deno.Kv,
  fence: Fence,
  first: Deno.KvEntry<UploadRecord>,
  opts: JobOptions,
  outcome: JobOutcome,
): Promise<void> {
  const key = bronzeUpload(first.value.id);
  const limit = opts.batchSize ?? 400;
  let entry: Deno.KvEntryMaybe<UploadRecord> = first;
  while (!pastDeadline(opts)) {
    const upload = entry.value;
    if (!upload || upload.status !== "classified") return;
    const week = upload.week!;
    const current = (await kv.get<InventoryWeek>(silverInventoryWeek(week))).value;
    const superseded = current !== null && current.seq >= upload.seq;
    const rows = await stagedRowsAfter(kv, upload.id, upload.applyCursor, limit);
    await step(opts, "listed");
    if (rows.length === 0) {
      if (!superseded) await finaliseWeek(kv, fence, upload, opts);
      const ws = new WriteSet();
      ws.check({ key, versionstamp: entry.versionstamp });
      ws.set(key, { ...upload, status: "applied" } satisfies UploadRecord);
      if (!superseded) {
        ws.set(silverInventoryWeek(week), { upload: upload.id, seq: upload.seq });
        ws.dirty(VIEW.inventory, week);
      }
      await step(opts, "computed");
      if (await fence.commit(ws)) await step(opts, "committed");
      entry = await kv.get<UploadRecord>(key);
      continue;
    }
    const ws = new WriteSet();
    ws.check({ key, versionstamp: entry.versionstamp });
    let cursor = upload.applyCursor;
    let valid = 0;
    for (const r of rows) {
      if (!ws.fits({ mutations: 2, bytes: 2048 })) break;
      if (r.value.kind === "inventory") {
        valid++;
        if (!superseded) {
          const value: SilverInventoryRow = { ...r.value.row, upload: upload.id, row: r.row };
          ws.set(silverInventoryRow(week, value.sku, value.warehouse), value);
        }
      }
      cursor = r.row;
    }
    ws.set(key, { ...upload, applyCursor: cursor } satisfies UploadRecord);
    ws.counters.add(metaBacklog("inventory"), -valid);
    await step(opts, "computed");
    if (await fence.commit(ws)) {
      outcome.records_in += valid;
      if (!superseded) outcome.records_out += valid;
      await step(opts, "committed");
    }
    entry = await kv.get<UploadRecord>(key);
  }
}

/** Commits writes in as many fenced commits as the budget needs. */
async function commitChunked(
  fence: Fence,
  opts: JobOptions,
  items: (() => (ws: WriteSet) => void)[],
): Promise<void> {
  let ws = new WriteSet();
  for (const item of items) {
    if (!ws.fits({ mutations: 4, bytes: 4096 })) {
      await fence.commit(ws);
      await step(opts, "committed");
      ws = new WriteSet();
    }
    item()(ws);
  }
  if (ws.mutations > 0) {
    await fence.commit(ws);
    await step(opts, "committed");
  }
}

/** Makes the week's rows those of `upload` and updates what derives from them. */
async function finaliseWeek(
  kv: Deno.Kv,
  fence: Fence,
  upload: UploadRecord,
  opts: JobOptions,
): Promise<void> {
  const week = upload.week!;
  const all = await listAll<SilverInventoryRow>(kv, silverInventoryRowsOfWeek(week));
  const mine = all.filter((e) => e.value.upload === upload.id).map((e) => e.value);
  const old = all.filter((e) => e.value.upload !== upload.id);
  const { skus, categories } = summariseWeek(mine);
  const removed = [...new Set(old.map((e) => e.value.sku))].filter((s) => !skus.has(s));
  await step(opts, "read");

  // 1. SKU weeks of the new snapshot; SKUs no longer in the week lose theirs.
  await commitChunked(fence, opts, [
    ...[...skus].map(([sku, s]) => () => (ws: WriteSet) => ws.set(silverSkuWeek(sku, week), s)),
    ...removed.map((sku) => () => (ws: WriteSet) => ws.delete(silverSkuWeek(sku, week))),
  ]);

  // 2. Catalog: the latest week containing each affected SKU.
  const affected = [...skus.keys(), ...removed];
  const catalog = await getManyChunked<CatalogEntry>(kv, affected.map((s) => silverCatalog(s)));
  const changes: (() => (ws: WriteSet) => void)[] = [];
  for (let i = 0; i < affected.length; i++) {
    const sku = affected[i];
    const cur = catalog[i].value;
    let next: CatalogEntry | null;
    const s = skus.get(sku);
    if (s) next = !cur || cur.week <= week ? catalogEntryOf(week, s) : cur;
    else if (cur && cur.week !== week) next = cur;
    else next = await latestCatalogEntry(kv, sku);
    if (i % 200 === 0) await fence.keepAlive();
    if (sameCatalogEntry(cur, next)) continue;
    changes.push(() => (ws) => {
      if (next) ws.set(silverCatalog(sku), next);
      else ws.delete(silverCatalog(sku));
      ws.dirty(VIEW.catalog, "all");
    });
  }
  await commitChunked(fence, opts, changes);

  // 3. Category spellings of the week.
  const spellings = await listAll<string>(kv, silverCategoryWeeksAll());
  const spellingChanges: (() => (ws: WriteSet) => void)[] = [];
  for (const e of spellings) {
    if (e.key[3] === week && !categories.has(e.key[2] as string)) {
      spellingChanges.push(() => (ws) => {
        ws.delete(e.key);
        ws.dirty(VIEW.catalog, "all");
      });
    }
  }
  const existing = new Map(
    spellings.filter((e) => e.key[3] === week).map((e) => [e.key[2], e.value]),
  );
  for (const [k, c] of categories) {
    if (existing.get(k) === c.spelling) continue;
    spellingChanges.push(() => (ws) => {
      ws.set(silverCategoryWeek(k, week), c.spelling);
      ws.dirty(VIEW.catalog, "all");
    });
  }
  await commitChunked(fence, opts, spellingChanges);

  // 4. Rows of the previous snapshot, last: everything derived from them is done.
  await commitChunked(fence, opts, old.map((e) => () => (ws: WriteSet) => ws.delete(e.key)));
}

/** The catalog entry of a SKU from the latest week whose snapshot contains it. */
async function latestCatalogEntry(kv: Deno.Kv, sku: string): Promise<CatalogEntry | null> {
  for await (
    const e of kv.list<SkuWeek>({ prefix: silverSkuWeeks(sku) }, { reverse: true, limit: 1 })
  ) {
    return catalogEntryOf(e.key[3] as string, e.value);
  }
  return null;
}
