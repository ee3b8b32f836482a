/**
 * Replay of quarantined records (`POST /v1/quarantine/replay`): each selected
 * record is validated again under the current rules and configuration (a
 * currency added to `FX_RATES`, a raised limit, a fixed rule), and a record
 * that passes is accepted exactly once: `metaReplayed(id)` is checked absent
 * and set in the same commit as the acceptance, and the record keeps
 * `replayedAs`.
 *
 * - Events go through the ingest committer like fresh events (dedup by
 *   `messageId` included), with their original receipt time, historical flag
 *   and request id; they get a new ingest id, so the pipeline sees them as
 *   new bronze events.
 * - Order lines are read again from their raw CSV line with the header of
 *   their upload, and, under the orders upload lease, land as staged lines of
 *   a `classified` replay upload (no business date, not a delivery) with
 *   their original version (file date, upload sequence, row), so the update
 *   order of sources.md is unchanged. They are classified against the line
 *   heads like any upload row: an exact duplicate of the current version is a
 *   duplicate, an existing key an update.
 * - Inventory rows cannot be replayed: a snapshot is replaced whole by its
 *   week's next upload, which is how a corrected row gets in.
 *
 * Quality counters of the record's original received day move in the same
 * commit: `quarantined` and `reason:<code>` −1, and `accepted` (plus
 * `updates`, `warning:<field>`) or `duplicates` +1, so `received = accepted +
 * quarantined + duplicates` holds on every day.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import {
  bronzeOrderHead,
  bronzeUpload,
  bronzeUploadRow,
  goldQuality,
  metaBacklog,
  metaReplayed,
  metaSequence,
  quarantineRecord,
} from "../../kv/keys.ts";
import { CounterDeltas } from "../../kv/counters.ts";
import { oldestFirstId } from "../../kv/ids.ts";
import { getManyChunked } from "../../kv/mod.ts";
import { dayOf } from "../contracts/buckets.ts";
import { compareVersions, matchOrderHeader, orderLineFingerprint } from "../contracts/orders.ts";
import type { QuarantineRecord, ReasonCode } from "../contracts/types.ts";
import { commitEvents, type CommitItem } from "../ingest/committer.ts";
import { CsvParser } from "../ingest/csv.ts";
import { type EventRequestContext, prepareEvent } from "../ingest/events.ts";
import { type OrderHead, stagedOrderRow } from "../ingest/orders_upload.ts";
import { loadUpload, openUploadWriter } from "../ingest/upload_store.ts";
import type { StagedRow, UploadRecord } from "../ingest/upload_types.ts";
import { utf8Length } from "../ingest/body.ts";
import { listQuarantine, type ListQuarantineOptions } from "./quarantine_list.ts";

/** Most records one replay request handles. */
export const MAX_REPLAY = 10_000;

/** Records per orders commit (each needs a check; KV allows 100 per commit). */
const ORDERS_PER_COMMIT = 80;

/** Which records to replay: explicit ids, or filters (newest first). */
export type ReplaySelection =
  | { ids: string[] }
  | { source?: ListQuarantineOptions["source"]; reason?: ReasonCode; limit?: number };

/** The outcome of one selected record. */
export type ReplayStatus =
  | "accepted"
  | "duplicate"
  | "still_rejected"
  | "already_replayed"
  | "not_found"
  | "not_replayable";

/** One record's outcome. */
export interface ReplayResultItem {
  id: string;
  status: ReplayStatus;
  /** For `still_rejected`: the reason under the current rules. */
  reason?: ReasonCode;
  field?: string;
  message?: string;
  /** For `accepted`: the new ingest id (events) or `<replay upload>/<row>` (orders). */
  replayed_as?: string;
}

/** What a replay did. */
export interface ReplayResult {
  selected: number;
  accepted: number;
  duplicates: number;
  still_rejected: number;
  already_replayed: number;
  not_found: number;
  not_replayable: number;
  items: ReplayResultItem[];
}

/** Options of {@link replayQuarantine}. */
export interface ReplayOptions {
  /** Epoch ms of the replay (default `Date.now()`); new ingest ids are made from it. */
  now?: number;
}

async function selectRecords(
  kv: Deno.Kv,
  selection: ReplaySelection,
): Promise<{ records: QuarantineRecord[]; missing: string[] }> {
  if ("ids" in selection) {
    const ids = [...new Set(selection.ids)].slice(0, MAX_REPLAY);
    const entries = await getManyChunked<QuarantineRecord>(kv, ids.map(quarantineRecord));
    const records: QuarantineRecord[] = [];
    const missing: string[] = [];
    entries.forEach((e, i) => (e.value ? records.push(e.value) : missing.push(ids[i])));
    return { records, missing };
  }
  const limit = Math.min(Math.max(1, selection.limit ?? 1000), MAX_REPLAY);
  const records: QuarantineRecord[] = [];
  let cursor: string | undefined;
  while (records.length < limit) {
    const page = await listQuarantine(kv, {
      source: selection.source,
      reason: selection.reason,
      cursor,
      limit: 500,
    });
    for (const r of page.records) {
      if (r.replayedAs === undefined && records.length < limit) records.push(r);
    }
    if (page.next_cursor === null) break;
    cursor = page.next_cursor;
  }
  return { records, missing: [] };
}

function rejectedItem(
  id: string,
  rejection: { reason: ReasonCode; field?: string; message: string },
): ReplayResultItem {
  const item: ReplayResultItem = { id, status: "still_rejected", reason: rejection.reason };
  if (rejection.field !== undefined) item.field = rejection.field;
  item.message = rejection.message;
  return item;
}

async function replayEvents(
  kv: Deno.Kv,
  config: Config,
  records: QuarantineRecord[],
  now: number,
): Promise<ReplayResultItem[]> {
  const out: ReplayResultItem[] = [];
  const items: CommitItem[] = [];
  const ids: string[] = [];
  for (const record of records) {
    let value: unknown;
    try {
      value = JSON.parse(record.raw);
    } catch {
      out.push(rejectedItem(record.id, {
        reason: "malformed",
        message: "Event is not valid JSON",
      }));
      continue;
    }
    const ctx: EventRequestContext = {
      requestId: record.requestId,
      receivedAt: record.receivedAt,
      historical: record.historical ?? false,
      eventBytes: config.limits.eventBytes,
    };
    const raw = { value, text: record.raw, bytes: utf8Length(record.raw), index: record.position };
    const item = prepareEvent(raw, ctx, 0);
    if (item.kind !== "event") {
      const rejection = item.kind === "quarantine" ? item.record : null;
      out.push(rejectedItem(record.id, {
        reason: rejection?.reason ?? "malformed",
        field: rejection?.field,
        message: rejection?.message ?? "Event cannot be read",
      }));
      continue;
    }
    // A new ingest id: the replayed event is new to the pipeline (lag, cursors).
    items.push({ ...item, event: { ...item.event, id: oldestFirstId(now) }, replay: { record } });
    ids.push(record.id);
  }
  if (items.length > 0) {
    const outcomes = await commitEvents(kv, items);
    outcomes.forEach((o, i) => {
      const item = items[i] as Extract<CommitItem, { kind: "event" }>;
      if (o === "accepted") {
        out.push({ id: ids[i], status: "accepted", replayed_as: item.event.id });
      } else if (o === "duplicate") out.push({ id: ids[i], status: "duplicate" });
      else out.push({ id: ids[i], status: "already_replayed" });
    });
  }
  return out;
}

interface OrderCandidate {
  record: QuarantineRecord;
  staged: Extract<StagedRow, { kind: "line" }>;
}

function parseCsvLine(raw: string): string[] | string {
  const parser = new CsvParser({ maxRecordChars: 1 << 20, keepChars: 1 << 20 });
  const records = [...parser.push(`${raw}\n`), ...parser.end()];
  if (records.length !== 1) return `Raw line holds ${records.length} CSV records, expected 1`;
  if (records[0].error) return records[0].error;
  return records[0].fields;
}

async function prepareOrders(
  kv: Deno.Kv,
  config: Config,
  records: QuarantineRecord[],
): Promise<{ candidates: OrderCandidate[]; items: ReplayResultItem[] }> {
  const uploads = new Map<string, UploadRecord | null>();
  const candidates: OrderCandidate[] = [];
  const items: ReplayResultItem[] = [];
  for (const record of records) {
    if (!uploads.has(record.requestId)) {
      uploads.set(record.requestId, await loadUpload(kv, record.requestId));
    }
    const upload = uploads.get(record.requestId);
    if (!upload?.header || upload.date === undefined) {
      items.push({
        id: record.id,
        status: "not_replayable",
        message: `Upload "${record.requestId}" has no recorded header to read the line with`,
      });
      continue;
    }
    const fields = parseCsvLine(record.raw);
    if (typeof fields === "string") {
      items.push(rejectedItem(record.id, { reason: "malformed", message: fields }));
      continue;
    }
    const staged = stagedOrderRow(
      { fields, line: record.position + 1, raw: record.raw },
      { match: matchOrderHeader(upload.header), width: upload.header.length },
      record.position,
      {
        date: upload.date,
        seq: upload.seq,
        receivedAt: upload.receivedAt,
        fxRates: config.fxRates,
        maxRowChars: 1 << 20,
      },
    );
    if (staged.kind !== "line") {
      items.push(
        rejectedItem(
          record.id,
          staged.kind === "rejected"
            ? staged.rejection
            : { reason: "malformed", message: "Row is not an order line" },
        ),
      );
      continue;
    }
    candidates.push({ record, staged });
  }
  return { candidates, items };
}

function headId(orderId: string, lineNo: number): string {
  return JSON.stringify([orderId, lineNo]);
}

/** Commits one batch of order candidates under the upload lease; returns their outcomes. */
async function commitOrderBatch(
  kv: Deno.Kv,
  commit: (build: (op: Deno.AtomicOperation) => void) => Promise<boolean>,
  batch: OrderCandidate[],
  now: number,
): Promise<ReplayResultItem[]> {
  let pending = batch;
  for (let attempt = 0; attempt < 5; attempt++) {
    const marks = await getManyChunked(kv, pending.map((c) => metaReplayed(c.record.id)));
    const done: ReplayResultItem[] = [];
    pending = pending.filter((c, i) => {
      if (marks[i].value === null) return true;
      done.push({ id: c.record.id, status: "already_replayed" });
      return false;
    });
    if (pending.length === 0) return done;
    const headKeys = new Map<string, Deno.KvKey>();
    for (const c of pending) {
      headKeys.set(
        headId(c.staged.line.orderId, c.staged.line.lineNo),
        bronzeOrderHead(c.staged.line.orderId, c.staged.line.lineNo),
      );
    }
    const headEntries = await getManyChunked<OrderHead>(kv, [...headKeys.values()]);
    const heads = new Map<string, OrderHead | null>();
    [...headKeys.keys()].forEach((k, i) => heads.set(k, headEntries[i].value));
    const seqEntry = await kv.get<number>(metaSequence("uploads"));
    const seq = (seqEntry.value ?? 0) + 1;
    const uploadId = oldestFirstId(now);

    const deltas = new CounterDeltas();
    const staged: [Deno.KvKey, StagedRow][] = [];
    const headWrites = new Map<string, [Deno.KvKey, OrderHead]>();
    const results: ReplayResultItem[] = [];
    const marked: [QuarantineRecord, string][] = [];
    let accepted = 0;
    let updates = 0;
    let duplicates = 0;
    const warnings: Record<string, number> = {};
    for (const c of pending) {
      const { line, version } = c.staged;
      const day = dayOf(c.record.receivedAt);
      const q = (metric: string, n: number) => deltas.add(goldQuality("orders", day, metric), n);
      q("quarantined", -1);
      q(`reason:${c.record.reason}`, -1);
      const name = headId(line.orderId, line.lineNo);
      const head = heads.get(name) ?? null;
      const fingerprint = orderLineFingerprint(line);
      if (head && head.fingerprint === fingerprint) {
        q("duplicates", 1);
        duplicates++;
        marked.push([c.record, "duplicate"]);
        results.push({ id: c.record.id, status: "duplicate" });
        continue;
      }
      q("accepted", 1);
      accepted++;
      if (head) {
        q("updates", 1);
        updates++;
      }
      for (const w of c.staged.warnings) {
        q(`warning:${w}`, 1);
        warnings[w] = (warnings[w] ?? 0) + 1;
      }
      const row = staged.length + 1;
      staged.push([bronzeUploadRow(uploadId, row), c.staged]);
      if (!head || compareVersions(version, head.version) > 0) {
        const next: OrderHead = { version, fingerprint, upload: uploadId };
        heads.set(name, next);
        headWrites.set(name, [bronzeOrderHead(line.orderId, line.lineNo), next]);
      }
      marked.push([c.record, `${uploadId}/${row}`]);
      results.push({ id: c.record.id, status: "accepted", replayed_as: `${uploadId}/${row}` });
    }
    if (staged.length > 0) deltas.add(metaBacklog("orders"), staged.length);
    const upload: UploadRecord = {
      id: uploadId,
      source: "orders",
      seq,
      fileName: "replay of quarantined lines",
      receivedAt: now,
      receivedDay: dayOf(now),
      status: "classified",
      rows: staged.length,
      accepted,
      updates,
      duplicates,
      quarantined: 0,
      quarantinedByReason: {},
      warningsByField: warnings,
      unknownColumns: [],
      classifyCursor: staged.length,
      applyCursor: 0,
    };
    const ok = await commit((op) => {
      for (const [record, as] of marked) {
        op.check({ key: metaReplayed(record.id), versionstamp: null });
        op.set(metaReplayed(record.id), as);
        op.set(quarantineRecord(record.id), { ...record, replayedAs: as });
      }
      if (staged.length > 0) {
        op.check(seqEntry).set(metaSequence("uploads"), seq);
        op.set(bronzeUpload(uploadId), upload);
        for (const [key, value] of staged) op.set(key, value);
      }
      for (const [key, head] of headWrites.values()) op.set(key, head);
      deltas.applyTo(op);
    });
    if (ok) return [...done, ...results];
  }
  throw new Error("Replay of order lines kept conflicting with other writers");
}

async function replayOrders(
  kv: Deno.Kv,
  config: Config,
  records: QuarantineRecord[],
  now: number,
): Promise<ReplayResultItem[]> {
  const { candidates, items } = await prepareOrders(kv, config, records);
  if (candidates.length === 0) return items;
  // The upload lease serialises this with classification, which reads and moves the same heads.
  const writer = await openUploadWriter(kv, "orders");
  try {
    for (let i = 0; i < candidates.length; i += ORDERS_PER_COMMIT) {
      const batch = candidates.slice(i, i + ORDERS_PER_COMMIT);
      items.push(...await commitOrderBatch(kv, (b) => writer.commit(b), batch, now));
    }
  } finally {
    await writer.close();
  }
  return items;
}

/**
 * Re-validates the selected quarantined records under the current rules and
 * accepts, exactly once, those that pass. Replaying again changes nothing.
 *
 * @example
 * ```ts
 * const config2 = { ...config, fxRates: { ...config.fxRates, CAD: "0.73" } };
 * const result = await replayQuarantine(kv, config2, { source: "orders", reason: "unknown_currency" });
 * ```
 */
export async function replayQuarantine(
  kv: Deno.Kv,
  config: Config,
  selection: ReplaySelection,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const now = options.now ?? Date.now();
  const { records, missing } = await selectRecords(kv, selection);
  const items: ReplayResultItem[] = missing.map((id) => ({ id, status: "not_found" }));
  const fresh = records.filter((r) => {
    if (r.replayedAs === undefined) return true;
    items.push({ id: r.id, status: "already_replayed", replayed_as: r.replayedAs });
    return false;
  });
  const bySource = (s: QuarantineRecord["source"]) => fresh.filter((r) => r.source === s);
  items.push(...await replayEvents(kv, config, bySource("events"), now));
  items.push(...await replayOrders(kv, config, bySource("orders"), now));
  for (const r of bySource("inventory")) {
    items.push({
      id: r.id,
      status: "not_replayable",
      message: "Inventory rows are corrected by uploading the week's workbook again",
    });
  }
  // Answer in the order asked (ids), or newest first (filters).
  const order = new Map(
    ("ids" in selection ? selection.ids : records.map((r) => r.id)).map((id, i) => [id, i]),
  );
  items.sort((a, b) => (order.get(a.id) ?? -1) - (order.get(b.id) ?? -1));
  const count = (s: ReplayStatus) => items.filter((i) => i.status === s).length;
  return {
    selected: items.length,
    accepted: count("accepted"),
    duplicates: count("duplicate"),
    still_rejected: count("still_rejected"),
    already_replayed: count("already_replayed"),
    not_found: count("not_found"),
    not_replayable: count("not_replayable"),
    items,
  };
}
