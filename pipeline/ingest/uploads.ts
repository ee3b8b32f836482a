/**
 * The two upload flows end to end (docs/pipeline.md, "Files"), and crash
 * recovery: under the source's upload lease, uploads left `staging` by a dead
 * request are deleted and uploads left `committed` are classified to the end,
 * before anything new is staged.
 *
 * @module
 */

import {
  bronzeUpload,
  bronzeUploads,
  metaOpenUpload,
  metaOpenUploadsIndexed,
  metaOpenUploadsOf,
} from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import { dayOf } from "../contracts/buckets.ts";
import { oldestFirstId } from "../../kv/ids.ts";
import type { Limits } from "../../config.ts";
import type { UploadRecord } from "./upload_types.ts";
import {
  answerOf,
  commitFile,
  createUpload,
  discardUpload,
  duplicateAnswerOf,
  loadUpload,
  markDuplicate,
  type UploadAnswer,
} from "./upload_store.ts";
import {
  type FencedWriter,
  type FileSource,
  openUploadWriter,
  type UploadLeaseOptions,
} from "./fenced_writer.ts";
import { classifyOrders } from "./orders_classify.ts";
import { stageOrderRows } from "./orders_stage.ts";
import {
  classifyInventory,
  classifySheet,
  resolveWeek,
  stageInventoryRows,
} from "./inventory_upload.ts";
import { readInventoryWorkbook } from "./xlsx.ts";
import { convertLineHeads } from "./order_heads.ts";
import { metaFileHash } from "../../kv/keys.ts";

/** Classifies a committed upload of either source to the end. */
export function classifyUpload(
  kv: Deno.Kv,
  writer: FencedWriter,
  record: UploadRecord,
  options: { recovered?: boolean; maxRounds?: number } = {},
): Promise<UploadRecord> {
  return record.source === "orders"
    ? classifyOrders(kv, writer, record, options)
    : classifyInventory(kv, writer, record, options);
}

/**
 * Indexes the unfinished uploads of a store written before
 * {@link metaOpenUpload} existed: one listing of every upload, once per store.
 */
async function indexOpenUploads(kv: Deno.Kv, writer: FencedWriter): Promise<void> {
  if ((await kv.get(metaOpenUploadsIndexed())).value === true) return;
  const open: UploadRecord[] = [];
  for await (const e of kv.list<UploadRecord>({ prefix: bronzeUploads() }, { batchSize: 500 })) {
    if (e.value.status === "staging" || e.value.status === "committed") open.push(e.value);
  }
  for (let i = 0; i < open.length; i += 500) {
    await writer.commit((op) => {
      for (const r of open.slice(i, i + 500)) op.set(metaOpenUpload(r.source, r.seq, r.id), null);
    });
  }
  await writer.commit((op) => {
    op.set(metaOpenUploadsIndexed(), true);
  });
}

/**
 * Finishes what dead requests left of `source`'s uploads (the caller holds
 * the lease): `staging` uploads are deleted, `committed` ones classified and
 * flagged `recovered`. Only unfinished uploads are read (their
 * {@link metaOpenUpload} marks), so the cost does not grow with history.
 * Returns the ids classified now.
 */
export async function recoverUploads(
  kv: Deno.Kv,
  writer: FencedWriter,
  source: FileSource,
): Promise<Set<string>> {
  await indexOpenUploads(kv, writer);
  if (source === "orders") await convertLineHeads(kv, writer);
  const finished = new Set<string>();
  const marks: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix: metaOpenUploadsOf(source) })) marks.push(e.key);
  const records = await getManyChunked<UploadRecord>(
    kv,
    marks.map((k) => bronzeUpload(String(k[k.length - 1]))),
  );
  for (const [i, { value: record }] of records.entries()) {
    if (record?.status === "staging") {
      await discardUpload(kv, writer, record);
    } else if (record?.status === "committed") {
      await classifyUpload(kv, writer, record, { recovered: true });
      finished.add(record.id);
    } else {
      // A mark whose upload is gone or finished (a store indexed while a request finished it).
      await writer.commit((op) => {
        op.delete(marks[i]);
      });
    }
  }
  return finished;
}

/** Clears the `recovered` flag once its answer has been given to a re-upload. */
async function clearRecovered(kv: Deno.Kv, writer: FencedWriter, id: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const entry = await kv.get<UploadRecord>(bronzeUpload(id));
    if (!entry.value?.recovered) return;
    const { recovered: _, ...rest } = entry.value;
    const ok = await writer.commit((op) => {
      op.check(entry).set(bronzeUpload(id), rest);
    });
    if (ok) return;
  }
}

/**
 * The answer for bytes that repeat upload `originalId`: that upload's own
 * answer if its client never got it (it was finished by recovery), else a
 * `duplicate_file` answer.
 */
async function answerRepeat(
  kv: Deno.Kv,
  writer: FencedWriter,
  duplicate: UploadRecord,
  originalId: string,
): Promise<UploadAnswer> {
  let original = await loadUpload(kv, originalId);
  if (!original) throw new Error(`Upload "${originalId}" of a file hash is missing`);
  if (original.status === "committed") {
    original = await classifyUpload(kv, writer, original, { recovered: true });
  }
  if (original.recovered) {
    await clearRecovered(kv, writer, original.id);
    return answerOf(original);
  }
  return duplicateAnswerOf(duplicate, original);
}

/** Options of {@link ingestOrdersUpload}. */
export interface OrdersUploadOptions extends UploadLeaseOptions {
  /** Business date of the file, `YYYY-MM-DD`. */
  date: string;
  fileName?: string;
  receivedAt?: number;
  fxRates: Record<string, string>;
  /** Longest accepted row in characters (the event limit is used). */
  maxRowChars: number;
}

/**
 * An orders CSV upload end to end: lease, recovery, record and sequence
 * number, streaming stage, file commit by SHA-256, classification, answer.
 * A file refused whole (`422`, `413`, `400`) leaves nothing behind.
 *
 * @example
 * ```ts
 * const answer = await ingestOrdersUpload(kv, stream, { date: "2026-11-20", fxRates, maxRowChars: 32768 });
 * ```
 */
export async function ingestOrdersUpload(
  kv: Deno.Kv,
  stream: ReadableStream<Uint8Array>,
  options: OrdersUploadOptions,
): Promise<UploadAnswer> {
  const receivedAt = options.receivedAt ?? Date.now();
  const writer = await openUploadWriter(kv, "orders", options);
  try {
    await recoverUploads(kv, writer, "orders");
    const record = await createUpload(kv, writer, {
      id: oldestFirstId(receivedAt),
      source: "orders",
      date: options.date,
      fileName: options.fileName,
      receivedAt,
      receivedDay: dayOf(receivedAt),
    });
    let staged;
    try {
      staged = await stageOrderRows(writer, record, stream, {
        date: options.date,
        seq: record.seq,
        receivedAt,
        fxRates: options.fxRates,
        maxRowChars: options.maxRowChars,
      });
    } catch (err) {
      await discardUpload(kv, writer, record).catch(() => {});
      throw err;
    }
    const full: UploadRecord = {
      ...record,
      rows: staged.rows,
      sha256: staged.sha256,
      header: staged.header,
      unknownColumns: staged.unknownColumns,
    };
    const filed = await commitFile(kv, writer, full);
    if (!filed.committed) {
      const dup = await markDuplicate(kv, writer, full, filed.duplicateOf);
      return await answerRepeat(kv, writer, dup, filed.duplicateOf);
    }
    return answerOf(await classifyOrders(kv, writer, { ...full, status: "committed" }));
  } finally {
    await writer.close();
  }
}

/** Options of {@link ingestInventoryUpload}. */
export interface InventoryUploadOptions extends UploadLeaseOptions {
  /** The week's Monday from `?week=` (or a file name), already validated. */
  week?: string;
  fileName?: string;
  receivedAt?: number;
  limits: Limits;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * An inventory XLSX upload end to end: vet and read the workbook, classify
 * its rows in memory, then under the lease: recovery, record, stage, file
 * commit by SHA-256, quarantine and counters, answer.
 *
 * @example
 * ```ts
 * const answer = await ingestInventoryUpload(kv, bytes, { week: "2026-11-23", limits });
 * ```
 */
export async function ingestInventoryUpload(
  kv: Deno.Kv,
  bytes: Uint8Array,
  options: InventoryUploadOptions,
): Promise<UploadAnswer> {
  const receivedAt = options.receivedAt ?? Date.now();
  const sha256 = await sha256Hex(bytes);
  const sheet = classifySheet(await readInventoryWorkbook(bytes, options.limits));
  const week = resolveWeek(options.week, sheet.snapshotDays);
  const writer = await openUploadWriter(kv, "inventory", options);
  try {
    await recoverUploads(kv, writer, "inventory");
    const record = await createUpload(kv, writer, {
      id: oldestFirstId(receivedAt),
      source: "inventory",
      week,
      fileName: options.fileName,
      receivedAt,
      receivedDay: dayOf(receivedAt),
    });
    const full: UploadRecord = {
      ...record,
      rows: sheet.rows,
      sha256,
      unknownColumns: sheet.unknownColumns,
      accepted: sheet.accepted,
      duplicates: sheet.duplicates,
      quarantined: sheet.quarantined,
      quarantinedByReason: sheet.quarantinedByReason,
    };
    // The bytes are all here: a repeated file is known before anything is staged.
    const known = await kv.get<string>(metaFileHash("inventory", sha256));
    if (known.value !== null) {
      const dup = await markDuplicate(kv, writer, full, known.value);
      return await answerRepeat(kv, writer, dup, known.value);
    }
    await stageInventoryRows(writer, record, sheet);
    const filed = await commitFile(kv, writer, full);
    if (!filed.committed) {
      const dup = await markDuplicate(kv, writer, full, filed.duplicateOf);
      return await answerRepeat(kv, writer, dup, filed.duplicateOf);
    }
    return answerOf(await classifyInventory(kv, writer, { ...full, status: "committed" }));
  } finally {
    await writer.close();
  }
}
