/**
 * Every Deno KV key shape of the product, as typed builders.
 *
 * The first part of a key is always its layer: `bronze` (landed, not yet
 * processed), `quarantine` (rejected records), `silver` (clean, current
 * records and the state incremental KPIs need), `gold` (KPI counters and
 * materialised answers), `meta` (leases, cursors, dedup markers, job runs).
 * Nothing outside this module writes a key array. docs/pipeline.md explains
 * how the layers are used and what each job costs.
 *
 * Buckets are strings: a UTC day `2026-11-25`, an ISO week `2026-W48`, a month
 * `2026-11`, or `all`.
 *
 * @module
 */

/** The three sources of shared/spec/sources.md. */
export type Source = "events" | "orders" | "inventory";

/** A KPI bucket: `YYYY-MM-DD`, `YYYY-Www`, `YYYY-MM` or `all`. */
export type Bucket = string;

// ---------------------------------------------------------------- bronze ---

/**
 * A validated event waiting to be cleaned into silver. Bronze events are a
 * landing zone: the clean job deletes each one in the same atomic commit that
 * writes it to silver, so "exists in bronze" means "not processed yet". The
 * shard is a hash of the event's person, so one worker owns all of a person's
 * state.
 */
export function bronzeEvent(shard: number, ingestId: string): Deno.KvKey {
  return ["bronze", "events", shard, ingestId];
}

/** Prefix of one shard's pending bronze events, oldest first. */
export function bronzeEventsOfShard(shard: number): Deno.KvKey {
  return ["bronze", "events", shard];
}

/** An upload (orders CSV or inventory XLSX): its metadata, status, counts and cursors. */
export function bronzeUpload(uploadId: string): Deno.KvKey {
  return ["bronze", "uploads", uploadId];
}

/** Prefix of every upload record (upload ids sort by upload order). */
export function bronzeUploads(): Deno.KvKey {
  return ["bronze", "uploads"];
}

/** A data row of an upload, staged as parsed (1-based row number of the data row). */
export function bronzeUploadRow(uploadId: string, row: number): Deno.KvKey {
  return ["bronze", "upload_rows", uploadId, row];
}

/** Prefix of all staged rows of one upload, in row order. */
export function bronzeUploadRows(uploadId: string): Deno.KvKey {
  return ["bronze", "upload_rows", uploadId];
}

/**
 * The latest version seen at ingest of an order line (`order_id`, `line_no`),
 * with a hash of its normalised fields: the layout of stores made before
 * {@link bronzeOrderHeadBlock}, whose keys the next orders upload folds into
 * blocks once.
 */
export function bronzeOrderHead(orderId: string, lineNo: number): Deno.KvKey {
  return ["bronze", "order_heads", orderId, lineNo];
}

// ------------------------------------------------------------ quarantine ---

/**
 * A quarantined record. Ids sort newest first (see `newestFirstId`), so a
 * plain listing of the prefix is the API's order.
 */
export function quarantineRecord(id: string): Deno.KvKey {
  return ["quarantine", "records", id];
}

/** Prefix of all quarantined records, newest first. */
export function quarantineRecords(): Deno.KvKey {
  return ["quarantine", "records"];
}

/** Index of quarantined records by source (value: null), newest first. */
export function quarantineBySource(source: Source, id: string): Deno.KvKey {
  return ["quarantine", "by_source", source, id];
}

/** Prefix of the by-source index of one source. */
export function quarantineOfSource(source: Source): Deno.KvKey {
  return ["quarantine", "by_source", source];
}

// ---------------------------------------------------------------- silver ---

/**
 * Clean events, kept for rebuilds, exports and monitoring: a block of the
 * events one `clean_events` batch took from a shard, in ingest-id order
 * (≤ 60 KB per block), keyed by the last (greatest) ingest id, so a listing
 * from an id finds every block holding a later event. Sharded like bronze.
 *
 * `~` sorts the blocks after every other key of a store (silver is the last
 * layer). Locally KV is SQLite, whose B-tree search reads the whole of any
 * cell that overflows its page (≈ 1 KB) when it compares against it: 60 KB
 * blocks next to the customer records made their reads 8× slower.
 */
export function silverEventBlock(shard: number, lastIngestId: string): Deno.KvKey {
  return ["silver", "~event_blocks", shard, lastIngestId];
}

/** Prefix of one shard's event blocks. */
export function silverEventBlocksOfShard(shard: number): Deno.KvKey {
  return ["silver", "~event_blocks", shard];
}

/** Prefix of every event block. */
export function silverEventBlocksAll(): Deno.KvKey {
  return ["silver", "~event_blocks"];
}

/**
 * Layout before 2026-11-26: one key per clean event. `clean_events` and
 * `rebuild` move such keys into {@link silverEventBlock} once; readers read
 * both until then.
 */
export function silverEvent(shard: number, ingestId: string): Deno.KvKey {
  return ["silver", "events", shard, ingestId];
}

/** Prefix of one shard's events in the layout before 2026-11-26 ({@link silverEvent}). */
export function silverEventsOfShard(shard: number): Deno.KvKey {
  return ["silver", "events", shard];
}

/** Prefix of every event in the layout before 2026-11-26 ({@link silverEvent}). */
export function silverEvents(): Deno.KvKey {
  return ["silver", "events"];
}

/**
 * A person: earliest event time (cohort), the weeks they were active in, and
 * their step mask in the `all` bucket (see {@link silverPersonMasks}).
 */
export function silverPerson(person: string): Deno.KvKey {
  return ["silver", "persons", person];
}

/** Prefix of every {@link silverPerson} record. */
export function silverPersonsAll(): Deno.KvKey {
  return ["silver", "persons"];
}

/**
 * A person's step mask in one bucket (bit 0: any event, bits 1–4: funnel
 * steps S1–S4), from which persons, funnel and cart abandonment follow.
 */
export function silverPersonBucket(person: string, bucket: Bucket): Deno.KvKey {
  return ["silver", "person_buckets", person, bucket];
}

/** `Order Completed` events that carry an `order_id` (value: count). */
export function silverOrderEvent(orderId: string): Deno.KvKey {
  return ["silver", "order_events", orderId];
}

/** Index of `Order Completed` order ids by the event's day, for reconciliation. */
export function silverOrderEventByDay(day: string, orderId: string): Deno.KvKey {
  return ["silver", "order_events_by_day", day, orderId];
}

/** Prefix of one day's `Order Completed` order ids. */
export function silverOrderEventsOfDay(day: string): Deno.KvKey {
  return ["silver", "order_events_by_day", day];
}

/**
 * The current versions of an order's lines whose `line_no` falls in block
 * `block` (32 line numbers per block, block 0 = lines 1–32). Block 0 exists
 * for every order with a line and lists the order's other blocks, so one read
 * finds a whole order of up to 32 lines.
 */
export function silverOrderBlock(orderId: string, block: number): Deno.KvKey {
  return ["silver", "order_blocks", orderId, block];
}

/** Prefix of every order block, by order then block. */
export function silverOrderBlocksAll(): Deno.KvKey {
  return ["silver", "order_blocks"];
}

/**
 * Layout before 2026-11-26: one key per current order line. `apply_orders`
 * and `rebuild` move such keys into {@link silverOrderBlock} once; readers
 * read both until then.
 */
export function silverOrderLine(orderId: string, lineNo: number): Deno.KvKey {
  return ["silver", "order_lines", orderId, lineNo];
}

/** Prefix of every order line of the layout before 2026-11-26 ({@link silverOrderLine}). */
export function silverOrderLines(): Deno.KvKey {
  return ["silver", "order_lines"];
}

/**
 * Layout before 2026-11-26: per order, a summary of its lines (derived; the
 * order blocks now hold it). Deleted when the order's lines move to blocks.
 */
export function silverOrder(orderId: string): Deno.KvKey {
  return ["silver", "orders", orderId];
}

/** Index of order ids by the day of their lines, for reconciliation. */
export function silverOrderByDay(day: string, orderId: string): Deno.KvKey {
  return ["silver", "orders_by_day", day, orderId];
}

/** Prefix of one day's order ids. */
export function silverOrdersOfDay(day: string): Deno.KvKey {
  return ["silver", "orders_by_day", day];
}

/** Per customer and bucket: revenue lines and distinct orders with revenue lines. */
export function silverCustomerBucket(customerId: string, bucket: Bucket): Deno.KvKey {
  return ["silver", "customer_buckets", customerId, bucket];
}

/** The current inventory snapshot of an ISO week (`YYYY-MM-DD` Monday): which upload it is. */
export function silverInventoryWeek(week: string): Deno.KvKey {
  return ["silver", "inventory_weeks", week];
}

/** Prefix of all inventory weeks, oldest first. */
export function silverInventoryWeeks(): Deno.KvKey {
  return ["silver", "inventory_weeks"];
}

/** A row of an inventory snapshot. */
export function silverInventoryRow(
  week: string,
  sku: string,
  warehouse: string,
): Deno.KvKey {
  return ["silver", "inventory_rows", week, sku, warehouse];
}

/** Prefix of one week's inventory rows. */
export function silverInventoryRowsOfWeek(week: string): Deno.KvKey {
  return ["silver", "inventory_rows", week];
}

/** Weeks whose snapshot contains a SKU (value: name and category there). */
export function silverSkuWeek(sku: string, week: string): Deno.KvKey {
  return ["silver", "sku_weeks", sku, week];
}

/** Prefix of the weeks of one SKU, oldest first. */
export function silverSkuWeeks(sku: string): Deno.KvKey {
  return ["silver", "sku_weeks", sku];
}

/** The catalog entry of a SKU: name and category of the latest week containing it. */
export function silverCatalog(sku: string): Deno.KvKey {
  return ["silver", "catalog", sku];
}

/** Prefix of the whole catalog. */
export function silverCatalogAll(): Deno.KvKey {
  return ["silver", "catalog"];
}

// ------------------------------------------------------------------ gold ---

/**
 * A KPI counter (`Deno.KvU64`, updated with `sum`; a decrement is a sum of
 * 2^64 − n, read back as signed). Counters are commutative, so workers on
 * different shards never conflict.
 */
export function goldCounter(metric: string, bucket: Bucket): Deno.KvKey {
  return ["gold", "counters", bucket, metric];
}

/** Prefix of every counter of one bucket. */
export function goldCountersOfBucket(bucket: Bucket): Deno.KvKey {
  return ["gold", "counters", bucket];
}

/** Per SKU and bucket counters (`revenue_cents`, `units`, `revenue_lines`). */
export function goldSkuCounter(bucket: Bucket, sku: string, metric: string): Deno.KvKey {
  return ["gold", "sku", bucket, sku, metric];
}

/** Prefix of every SKU counter of one bucket. */
export function goldSkusOfBucket(bucket: Bucket): Deno.KvKey {
  return ["gold", "sku", bucket];
}

/** Retention: persons of cohort week `cohort` active in week `cohort + k`. */
export function goldRetention(cohort: string, k: number): Deno.KvKey {
  return ["gold", "retention", cohort, k];
}

/** Prefix of every retention counter. */
export function goldRetentionAll(): Deno.KvKey {
  return ["gold", "retention"];
}

/** A materialised answer of the read API, e.g. `("orders", "2026-W48")`. */
export function goldView(view: string, id: string): Deno.KvKey {
  return ["gold", "views", view, id];
}

/** Prefix of every materialised answer of one view. */
export function goldViewsOf(view: string): Deno.KvKey {
  return ["gold", "views", view];
}

/**
 * Data-quality counter per source and received day (`received`, `accepted`,
 * `quarantined`, `duplicates`, `updates`, `reason:<code>`, `warning:<field>`,
 * `rejected:<status>`). Written by ingest in the commit of the records counted.
 */
export function goldQuality(source: Source, day: string, metric: string): Deno.KvKey {
  return ["gold", "quality", day, source, metric];
}

/** Prefix of the quality counters of one received day. */
export function goldQualityOfDay(day: string): Deno.KvKey {
  return ["gold", "quality", day];
}

/** Prefix of all quality counters, by day. */
export function goldQualityAll(): Deno.KvKey {
  return ["gold", "quality"];
}

/** An alert (anomaly or freshness), by id; ids sort newest first. */
export function goldAlert(id: string): Deno.KvKey {
  return ["gold", "alerts", id];
}

/** Prefix of every alert. */
export function goldAlerts(): Deno.KvKey {
  return ["gold", "alerts"];
}

// ------------------------------------------------------------------ meta ---

/** Marks an accepted event `messageId` for the 30-day dedup window (set with `expireIn`). */
export function metaEventDedup(messageId: string): Deno.KvKey {
  return ["meta", "dedup", "events", messageId];
}

/** Marks a file's SHA-256 as uploaded (value: the upload id). */
export function metaFileHash(source: Source, sha256: string): Deno.KvKey {
  return ["meta", "file_hashes", source, sha256];
}

/** Monotonic sequence counter (e.g. `uploads`), advanced with a check. */
export function metaSequence(name: string): Deno.KvKey {
  return ["meta", "sequences", name];
}

/** A lease held by a job or ingest stage; its versionstamp fences the holder's commits. */
export function metaLease(name: string, shard = 0): Deno.KvKey {
  return ["meta", "leases", name, shard];
}

/** A job's cursor within a shard. */
export function metaCursor(job: string, shard = 0): Deno.KvKey {
  return ["meta", "cursors", job, shard];
}

/** A bucket whose materialised views must be recomputed (`kind`: `orders`, `events`, …). */
export function metaDirty(kind: string, id: string): Deno.KvKey {
  return ["meta", "dirty", kind, id];
}

/** Prefix of the dirty marks of one kind. */
export function metaDirtyOf(kind: string): Deno.KvKey {
  return ["meta", "dirty", kind];
}

/** One recorded job run; run ids sort newest first. */
export function metaJobRun(job: string, runId: string): Deno.KvKey {
  return ["meta", "job_runs", job, runId];
}

/** Prefix of the recorded runs of one job, newest first. */
export function metaJobRunsOf(job: string): Deno.KvKey {
  return ["meta", "job_runs", job];
}

/** Last received time per source (a `KvU64` updated with `max`, epoch milliseconds). */
export function metaLastReceived(source: Source): Deno.KvKey {
  return ["meta", "last_received", source];
}

/** An alert waiting for delivery to the webhook. */
export function metaAlertOutbox(alertId: string): Deno.KvKey {
  return ["meta", "alert_outbox", alertId];
}

/** Prefix of undelivered alerts. */
export function metaAlertOutboxAll(): Deno.KvKey {
  return ["meta", "alert_outbox"];
}

/** A replay of a quarantined record already accepted (value: the new ingest id). */
export function metaReplayed(quarantineId: string): Deno.KvKey {
  return ["meta", "replayed", quarantineId];
}

/**
 * Records waiting in a stage (a signed `KvU64` counter): ingest adds what it
 * lands, the stage's job subtracts what it consumes, in the same commits.
 * Stages: `events` (bronze events), `orders` and `inventory` (staged rows of
 * classified uploads not yet applied).
 */
export function metaBacklog(stage: string): Deno.KvKey {
  return ["meta", "backlog", stage];
}

/**
 * The spelling of a category (by its case-insensitive key) in one inventory
 * week: the spelling of the first row (by row position) of that week's
 * snapshot with that key. The display name of a category is the spelling in
 * the earliest week that has it (docs/pipeline.md, "Catalog").
 */
export function silverCategoryWeek(categoryKey: string, week: string): Deno.KvKey {
  return ["silver", "category_weeks", categoryKey, week];
}

/** Prefix of every category spelling, by category key then week (oldest first). */
export function silverCategoryWeeksAll(): Deno.KvKey {
  return ["silver", "category_weeks"];
}

/** Prefix of the rows of every inventory snapshot, by week then SKU and warehouse (exports). */
export function silverInventoryRowsAll(): Deno.KvKey {
  return ["silver", "inventory_rows"];
}

/** Prefix of every KPI counter, by bucket then metric (exports). */
export function goldCountersAll(): Deno.KvKey {
  return ["gold", "counters"];
}

/** Prefix of every per-SKU counter, by bucket, SKU, then metric (exports). */
export function goldSkuCountersAll(): Deno.KvKey {
  return ["gold", "sku"];
}

/** Prefix of every pending bronze event of every shard. */
export function bronzeEventsAll(): Deno.KvKey {
  return ["bronze", "events"];
}

/** Prefix of every materialised view, by view then id. */
export function goldViewsAll(): Deno.KvKey {
  return ["gold", "views"];
}

/**
 * A cross-source reconciliation finding of one order day, written by
 * monitoring's checks job: `kind` is `orders_unknown_sku` (item: a SKU),
 * `orders_without_event`, `events_without_order` or `revenue_mismatch`
 * (item: an order id).
 */
export function goldReconciliation(day: string, kind: string, item: string): Deno.KvKey {
  return ["gold", "reconciliation", day, kind, item];
}

/** Prefix of one order day's reconciliation findings of one kind (or of every kind). */
export function goldReconciliationOf(day: string, kind?: string): Deno.KvKey {
  return kind === undefined
    ? ["gold", "reconciliation", day]
    : ["gold", "reconciliation", day, kind];
}

/**
 * Event-side revenue of one `Order Completed` event, by order id then event
 * id: monitoring's index over silver events, for comparing event revenue with
 * order revenue.
 */
export function goldEventRevenue(orderId: string, eventId: string): Deno.KvKey {
  return ["gold", "event_revenue", orderId, eventId];
}

/** Prefix of the event-side revenues of one order. */
export function goldEventRevenueOf(orderId: string): Deno.KvKey {
  return ["gold", "event_revenue", orderId];
}

/**
 * A signed-out dashboard session (value: null, set with `expireIn` until the
 * session would have expired): session cookies are stateless, so signing out
 * records the session id here and the dashboard refuses it from then on.
 */
export function metaRevokedSession(sid: string): Deno.KvKey {
  return ["meta", "revoked_sessions", sid];
}

/**
 * Prefixes of the silver state that the pipeline derives from silver records
 * (persons, masks, order, customer and reconciliation state, SKU weeks,
 * catalog, category spellings): what `rebuild` clears and recomputes.
 */
export function silverDerivedPrefixes(): Deno.KvKey[] {
  return [
    ["silver", "persons"],
    ["silver", "person_buckets"],
    ["silver", "order_events"],
    ["silver", "order_events_by_day"],
    ["silver", "orders"],
    ["silver", "orders_by_day"],
    ["silver", "customer_buckets"],
    ["silver", "sku_weeks"],
    ["silver", "catalog"],
    ["silver", "category_weeks"],
  ];
}

/** Prefix of one order's lines in the layout before 2026-11-26 ({@link silverOrderLine}). */
export function silverOrderLinesOf(orderId: string): Deno.KvKey {
  return ["silver", "order_lines", orderId];
}

/** Prefix of the whole orders-by-day index (by day, then order id). */
export function silverOrdersByDayAll(): Deno.KvKey {
  return ["silver", "orders_by_day"];
}

/** Prefix of the whole `Order Completed` by-day index (by day, then order id). */
export function silverOrderEventsByDayAll(): Deno.KvKey {
  return ["silver", "order_events_by_day"];
}

/** Prefix of every recorded job run, by job then run id. */
export function metaJobRunsAll(): Deno.KvKey {
  return ["meta", "job_runs"];
}

/**
 * Counter deltas and dirty marks of one committed batch of `job`, waiting to
 * be folded into gold counters (value: `{counters, dirty}`). Written in the
 * commit that consumes the batch's input and deleted in the commit that
 * applies them, so folding is exactly once too (docs/pipeline.md).
 */
export function metaPendingDeltas(job: string, id: string): Deno.KvKey {
  return ["meta", "pending_deltas", job, id];
}

/** Prefix of the pending deltas of one job, oldest first. */
export function metaPendingDeltasOf(job: string): Deno.KvKey {
  return ["meta", "pending_deltas", job];
}

/**
 * Marks an upload that is not finished (`staging` or `committed`), so that
 * crash recovery lists only those instead of every upload ever made (value:
 * null). Set with the upload record's creation, deleted in the commit that
 * classifies, marks duplicate or discards it.
 */
export function metaOpenUpload(source: Source, seq: number, uploadId: string): Deno.KvKey {
  return ["meta", "open_uploads", source, seq, uploadId];
}

/** Prefix of the unfinished uploads of one source, in upload order. */
export function metaOpenUploadsOf(source: Source): Deno.KvKey {
  return ["meta", "open_uploads", source];
}

/**
 * Set once the unfinished uploads of stores made before
 * {@link metaOpenUpload} existed have been indexed (value: true).
 */
export function metaOpenUploadsIndexed(): Deno.KvKey {
  return ["meta", "open_uploads_indexed"];
}

/**
 * Distinct orders of a customer with a revenue line, per bucket, for the
 * buckets of one part (value: `Record<bucket, number>`, zero counts left
 * out, deleted when empty). `part` is a bucket's first four characters (its
 * year: days, ISO weeks and months of that year) or `all`, so one record
 * holds at most ~430 buckets and one change of an order writes ≤ 3 records.
 */
export function silverCustomerCounts(customerId: string, part: string): Deno.KvKey {
  return ["silver", "customer_counts", customerId, part];
}

/** Prefix of every {@link silverCustomerCounts} record (derived state `rebuild` clears). */
export function silverCustomerCountsAll(): Deno.KvKey {
  return ["silver", "customer_counts"];
}

/**
 * Prefix of the per-bucket customer counts of stores made before
 * {@link silverCustomerCounts} existed (`silverCustomerBucket`), which
 * `apply_orders` folds into those records once.
 */
export function silverCustomerBucketsAll(): Deno.KvKey {
  return ["silver", "customer_buckets"];
}

/**
 * Step masks of a person per bucket, for the day, ISO week and month buckets
 * of one year (value: `Record<bucket, mask>`; see `silverCustomerCounts` for
 * parts): bit 0 any event, bits 1–4 funnel steps S1–S4. The `all` bucket's
 * mask is in the {@link silverPerson} record; stores made before that kept it
 * here under the part `all` until the person is next written. Replaces one
 * key per bucket (`silverPersonBucket`).
 */
export function silverPersonMasks(person: string, part: string): Deno.KvKey {
  return ["silver", "person_masks", person, part];
}

/** Prefix of every {@link silverPersonMasks} record (derived state `rebuild` clears). */
export function silverPersonMasksAll(): Deno.KvKey {
  return ["silver", "person_masks"];
}

/**
 * Prefix of the per-bucket step masks of stores made before
 * {@link silverPersonMasks} existed (`silverPersonBucket`), which
 * `clean_events` folds into those records once.
 */
export function silverPersonBucketsAll(): Deno.KvKey {
  return ["silver", "person_buckets"];
}

/**
 * The ingest heads of an order's lines `32·block + 1 … 32·block + 32` (value:
 * `Record<lineNo, OrderHead>`): the latest version seen of each line and a
 * fingerprint of its fields. Replaces one key per line (`bronzeOrderHead`),
 * so a multi-line order costs one read and one write per upload, not one per
 * line.
 */
export function bronzeOrderHeadBlock(orderId: string, block: number): Deno.KvKey {
  return ["bronze", "order_head_blocks", orderId, block];
}

/**
 * Prefix of the per-line heads of stores made before
 * {@link bronzeOrderHeadBlock} existed, which the next orders upload folds
 * into blocks once.
 */
export function bronzeOrderHeadsByLine(): Deno.KvKey {
  return ["bronze", "order_heads"];
}

/** Set once every per-line order head of the store has been folded into blocks. */
export function metaOrderHeadsInBlocks(): Deno.KvKey {
  return ["meta", "order_heads_in_blocks"];
}
