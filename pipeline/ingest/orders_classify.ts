/**
 * Classifying a committed orders upload: its staged rows (`orders_stage.ts`)
 * are compared with the order-line heads, in rounds that each commit their
 * effects with the advanced cursor (docs/pipeline.md, "Files").
 *
 * @module
 */

import {
  bronzeUpload,
  goldQuality,
  metaBacklog,
  metaLastReceived,
  metaOpenUpload,
} from "../../kv/keys.ts";
import { CounterDeltas } from "../../kv/counters.ts";
import { compareVersions, orderLineFingerprint } from "../contracts/orders.ts";
import { quarantineBytes, quarantineRecordOf, writeQuarantine } from "./quarantine.ts";
import { listStaged, type StagedEntry } from "./staging.ts";
import type { UploadRecord } from "./upload_types.ts";
import { type FencedWriter, UPLOAD_MAX_BYTES, UPLOAD_MAX_MUTATIONS } from "./fenced_writer.ts";
import { type LineRef, readOrderHeads } from "./order_heads.ts";

/** Mutations kept for the lease, the record, counters and last-received. */
const CLASSIFY_RESERVE = 60;

/** The lines among staged rows (rejected rows have none). */
function linesOf(rows: StagedEntry[]): LineRef[] {
  const lines: LineRef[] = [];
  for (const r of rows) if (r.value.kind === "line") lines.push(r.value.line);
  return lines;
}

/**
 * Classifies the staged rows of a `committed` orders upload from its cursor:
 * exact duplicates of a line's head are dropped, other lines are accepted
 * (updates when the key existed) and move the head when newer, rejected rows
 * are quarantined. Each commit carries the quarantine records, heads, quality
 * counters and the record with its advanced cursor, so a crash resumes where
 * it stopped. Ends with the record `classified` and the orders backlog raised
 * by its valid rows.
 *
 * @example
 * ```ts
 * const done = await classifyOrders(kv, writer, committedRecord);
 * ```
 */
export async function classifyOrders(
  kv: Deno.Kv,
  writer: FencedWriter,
  start: UploadRecord,
  options: { maxRounds?: number; recovered?: boolean } = {},
): Promise<UploadRecord> {
  let record: UploadRecord = structuredClone(start);
  let rows = await listStaged(kv, record.id, record.classifyCursor);
  let heads = await readOrderHeads(kv, linesOf(rows));
  let rounds = 0;
  while (rows.length > 0) {
    if (options.maxRounds !== undefined && rounds++ >= options.maxRounds) return record;

    const updated = structuredClone(record);
    const deltas = new CounterDeltas();
    const day = record.receivedDay;
    const q = (metric: string, n = 1) => deltas.add(goldQuality("orders", day, metric), n);
    const quarantined: ReturnType<typeof quarantineRecordOf>[] = [];
    let mutations = CLASSIFY_RESERVE;
    let bytes = 0;
    let consumed = 0;
    for (const { row, value } of rows) {
      let cost = 1;
      let size = 300;
      let fingerprint = "";
      if (value.kind === "rejected") {
        cost = 2;
        size = value.raw.length * 2 + 1200;
      } else if (value.kind === "line") {
        fingerprint = orderLineFingerprint(value.line);
        ({ mutations: cost, bytes: size } = heads.costOfSet(value.line, fingerprint.length));
      }
      if (
        consumed > 0 && (mutations + cost > UPLOAD_MAX_MUTATIONS || bytes + size > UPLOAD_MAX_BYTES)
      ) {
        break;
      }
      consumed++;
      updated.classifyCursor = row;
      q("received");
      if (value.kind === "rejected") {
        const rec = quarantineRecordOf({
          source: "orders",
          rejection: value.rejection,
          raw: value.raw,
          requestId: record.id,
          position: row,
          receivedAt: record.receivedAt,
          date: record.date,
        });
        quarantined.push(rec);
        mutations += 2;
        bytes += quarantineBytes(rec);
        updated.quarantined++;
        const reason = value.rejection.reason;
        updated.quarantinedByReason[reason] = (updated.quarantinedByReason[reason] ?? 0) + 1;
        q("quarantined");
        q(`reason:${reason}`);
        continue;
      }
      if (value.kind !== "line") continue;
      const head = heads.get(value.line);
      // A replayed row was received (and counted quarantined) on its own day:
      // its count moves there instead of adding a new receipt.
      const count = value.replayOf
        ? (metric: string) => deltas.add(goldQuality("orders", value.replayOf!.day, metric), 1)
        : q;
      if (value.replayOf) {
        q("received", -1);
        const orig = (metric: string) =>
          deltas.add(goldQuality("orders", value.replayOf!.day, metric), -1);
        orig("quarantined");
        orig(`reason:${value.replayOf.reason}`);
      }
      if (head && head.fingerprint === fingerprint) {
        updated.duplicates++;
        count("duplicates");
      } else {
        updated.accepted++;
        count("accepted");
        if (head) {
          updated.updates++;
          count("updates");
        }
        for (const w of value.warnings) {
          updated.warningsByField[w] = (updated.warningsByField[w] ?? 0) + 1;
          count(`warning:${w}`);
        }
      }
      if (!head || compareVersions(value.version, head.version) > 0) {
        const added = heads.costOfSet(value.line, fingerprint.length);
        mutations += added.mutations;
        bytes += added.bytes;
        heads.set(value.line, { version: value.version, fingerprint, upload: record.id });
      }
    }
    const headWrites = heads.takeWrites();
    const committed = writer.commit((op) => {
      for (const rec of quarantined) writeQuarantine(op, rec);
      for (const [key, block] of headWrites) op.set(key, block);
      deltas.applyTo(op);
      if (!record.replay) op.max(metaLastReceived("orders"), BigInt(record.receivedAt));
      op.set(bronzeUpload(record.id), updated);
    });
    committed.catch(() => {}); // awaited below
    // Read the next round while this one is written. Only this upload writes
    // heads (it holds the lease), so the blocks this round holds are current
    // and are carried over instead of read while the commit may be in flight.
    let prefetch: Promise<[typeof rows, typeof heads]>;
    if (consumed < rows.length) {
      prefetch = Promise.resolve([rows.slice(consumed), heads]);
    } else {
      prefetch = listStaged(kv, record.id, updated.classifyCursor).then(async (more) =>
        [more, await readOrderHeads(kv, linesOf(more), heads)] as [typeof rows, typeof heads]
      );
    }
    prefetch.catch(() => {}); // awaited below
    await committed;
    record = updated;
    [rows, heads] = await prefetch;
  }
  const classified: UploadRecord = { ...record, status: "classified" };
  if (options.recovered) classified.recovered = true;
  const valid = record.rows - record.quarantined;
  await writer.commit((op) => {
    op.set(bronzeUpload(record.id), classified)
      .delete(metaOpenUpload(record.source, record.seq, record.id));
    const d = new CounterDeltas();
    d.add(metaBacklog("orders"), valid);
    d.applyTo(op);
    if (!record.replay) op.max(metaLastReceived("orders"), BigInt(record.receivedAt));
  });
  return classified;
}
