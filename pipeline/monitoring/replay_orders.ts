/**
 * Replay of quarantined order lines: each raw CSV line is read again with the
 * header stored on its upload and the current rules, then, under the orders
 * upload lease, classified against the line heads and staged as a line of a
 * `classified` replay upload with its original version (docs/monitoring.md).
 *
 * @module
 */

import type { Config } from "../../config.ts";
import {
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
import type { QuarantineRecord } from "../contracts/types.ts";
import { CsvParser } from "../ingest/csv.ts";
import { stagedOrderRow } from "../ingest/orders_stage.ts";
import { convertLineHeads, readOrderHeads } from "../ingest/order_heads.ts";
import { loadUpload } from "../ingest/upload_store.ts";
import { openUploadWriter } from "../ingest/fenced_writer.ts";
import type { StagedRow, UploadRecord } from "../ingest/upload_types.ts";
import { rejectedItem, type ReplayResultItem } from "./replay_types.ts";

/** Records per orders commit (each needs a check; KV allows 100 per commit). */
const ORDERS_PER_COMMIT = 80;

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
    const heads = await readOrderHeads(kv, pending.map((c) => c.staged.line));
    const seqEntry = await kv.get<number>(metaSequence("uploads"));
    const seq = (seqEntry.value ?? 0) + 1;
    const uploadId = oldestFirstId(now);

    const deltas = new CounterDeltas();
    const staged: [Deno.KvKey, StagedRow][] = [];
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
      const head = heads.get(line);
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
        heads.set(line, { version, fingerprint, upload: uploadId });
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
    const headWrites = heads.takeWrites();
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
      for (const [key, block] of headWrites) op.set(key, block);
      deltas.applyTo(op);
    });
    if (ok) return [...done, ...results];
  }
  throw new Error("Replay of order lines kept conflicting with other writers");
}

/** Replays quarantined order lines; each is accepted at most once. */
export async function replayOrders(
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
    await convertLineHeads(kv, writer);
    for (let i = 0; i < candidates.length; i += ORDERS_PER_COMMIT) {
      const batch = candidates.slice(i, i + ORDERS_PER_COMMIT);
      items.push(...await commitOrderBatch(kv, (b) => writer.commit(b), batch, now));
    }
  } finally {
    await writer.close();
  }
  return items;
}
