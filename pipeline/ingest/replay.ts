/**
 * Replaying quarantined order lines (for `POST /v1/quarantine/replay`): the
 * re-normalised lines land as a small replay upload, each staged in the same
 * commit that marks its quarantine record replayed, so a line is accepted
 * exactly once however often or concurrently the replay is asked for. The
 * lines keep their original versions (date, upload, row), so the update order
 * is as if they had been accepted the first time. Events are replayed through
 * `commitEvents` (see committer.ts).
 *
 * @module
 */

import { bronzeUpload, bronzeUploadRow, metaReplayed, quarantineRecord } from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import { oldestFirstId } from "../../kv/ids.ts";
import { dayOf } from "../contracts/buckets.ts";
import type { LineVersion, OrderLine, QuarantineRecord } from "../contracts/types.ts";
import { matchOrderHeader, normaliseOrderRow, orderRowFromCells } from "../contracts/orders.ts";
import type { Normalised } from "../contracts/types.ts";
import { CsvParser } from "./csv.ts";
import { classifyOrders } from "./orders_classify.ts";
import { recoverUploads } from "./uploads.ts";
import type { StagedRow, UploadRecord } from "./upload_types.ts";
import { answerOf, createUpload, loadUpload, type UploadAnswer } from "./upload_store.ts";
import { openUploadWriter, type UploadLeaseOptions } from "./fenced_writer.ts";

/** One quarantined order line to replay, re-normalised by the caller. */
export interface OrderReplayItem {
  /** The quarantine record as stored. */
  record: QuarantineRecord;
  line: OrderLine;
  warnings: string[];
  /** The line's original version: the upload's date and sequence number, and the row. */
  version: LineVersion;
}

/** What became of each item, in order. */
export type OrderReplayOutcome = "staged" | "already_replayed";

/**
 * Re-reads a quarantined orders row under the current rules: its raw CSV line
 * with the header of the upload it came in. Returns the item to replay, or
 * the rejection it still gets.
 *
 * @example
 * ```ts
 * const r = await renormaliseOrderRecord(kv, record, config.fxRates);
 * if (r.ok) await replayOrderLines(kv, [r.value]);
 * ```
 */
export async function renormaliseOrderRecord(
  kv: Deno.Kv,
  record: QuarantineRecord,
  fxRates: Record<string, string>,
): Promise<Normalised<OrderReplayItem>> {
  const upload = await loadUpload(kv, record.requestId);
  if (!upload || !upload.header) {
    return {
      ok: false,
      rejection: {
        reason: "malformed",
        message: `Upload "${record.requestId}" has no header to read the row with`,
      },
    };
  }
  const parser = new CsvParser({ maxRecordChars: 1 << 20, keepChars: 1024 });
  const [rec] = [...parser.push(record.raw), ...parser.end()];
  if (!rec || rec.error || rec.fields.length !== upload.header.length) {
    return {
      ok: false,
      rejection: { reason: "malformed", message: "Row is not valid CSV for its header" },
    };
  }
  const r = normaliseOrderRow(
    orderRowFromCells(rec.fields, matchOrderHeader(upload.header).index),
    { receivedAt: record.receivedAt, fxRates },
  );
  if (!r.ok) return r;
  return {
    ok: true,
    value: {
      record,
      line: r.value,
      warnings: r.warnings,
      version: { date: upload.date!, upload: upload.seq, row: record.position },
    },
    warnings: r.warnings,
  };
}

/**
 * Lands re-normalised quarantined order lines exactly once: under the orders
 * upload lease, a replay upload (`replay: true`) stages each line in the
 * commit that checks and sets `metaReplayed(record.id)` and sets the record's
 * `replayedAs`; then it is classified like any upload (heads, counters moved
 * from quarantined to accepted or duplicates on the record's own day) and
 * applied by the pipeline. Records replayed before are skipped.
 *
 * @example
 * ```ts
 * const { outcomes, answer } = await replayOrderLines(kv, items);
 * ```
 */
export async function replayOrderLines(
  kv: Deno.Kv,
  items: readonly OrderReplayItem[],
  options: UploadLeaseOptions & { receivedAt?: number } = {},
): Promise<{ outcomes: OrderReplayOutcome[]; answer: UploadAnswer | null }> {
  const outcomes: OrderReplayOutcome[] = items.map(() => "already_replayed");
  if (items.length === 0) return { outcomes, answer: null };
  const receivedAt = options.receivedAt ?? Date.now();
  const writer = await openUploadWriter(kv, "orders", options);
  try {
    await recoverUploads(kv, writer, "orders");
    const done = await getManyChunked<string>(kv, items.map((i) => metaReplayed(i.record.id)));
    const todo = items.map((item, i) => ({ item, i })).filter((_, i) =>
      done[i].versionstamp === null
    );
    if (todo.length === 0) return { outcomes, answer: null };
    const created = await createUpload(kv, writer, {
      id: oldestFirstId(receivedAt),
      source: "orders",
      date: todo[0].item.version.date,
      fileName: "replay",
      receivedAt,
      receivedDay: dayOf(receivedAt),
    });
    let record: UploadRecord = { ...created, replay: true };
    let row = 0;
    for (let k = 0; k < todo.length; k += 200) {
      let chunk = todo.slice(k, k + 200);
      while (chunk.length > 0) {
        const rows = chunk.map(({ item }) => {
          row++;
          const value: StagedRow = {
            kind: "line",
            line: item.line,
            version: item.version,
            warnings: item.warnings,
            raw: item.record.raw,
            replayOf: {
              id: item.record.id,
              day: dayOf(item.record.receivedAt),
              reason: item.record.reason,
            },
          };
          return { item, row, value };
        });
        const ok = await writer.commit((op) => {
          for (const r of rows) {
            const marker = `${record.id}/${r.row}`;
            op.check({ key: metaReplayed(r.item.record.id), versionstamp: null })
              .set(metaReplayed(r.item.record.id), marker)
              .set(quarantineRecord(r.item.record.id), { ...r.item.record, replayedAs: marker })
              .set(bronzeUploadRow(record.id, r.row), r.value);
          }
        });
        if (ok) {
          for (const { i } of chunk) outcomes[i] = "staged";
          break;
        }
        // A concurrent replay took some: drop those and stage the rest.
        row -= rows.length;
        const seen = await getManyChunked<string>(
          kv,
          chunk.map((c) => metaReplayed(c.item.record.id)),
        );
        chunk = chunk.filter((_, j) => seen[j].versionstamp === null);
      }
    }
    record = { ...record, rows: row, status: "committed" };
    await writer.commit((op) => {
      op.set(bronzeUpload(record.id), record);
    });
    return { outcomes, answer: answerOf(await classifyOrders(kv, writer, record)) };
  } finally {
    await writer.close();
  }
}
