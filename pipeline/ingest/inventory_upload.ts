/**
 * Inventory XLSX uploads: a workbook is read whole, so its rows are
 * normalised and classified in memory (the last of repeated (sku, warehouse)
 * rows wins), then staged, committed by SHA-256 and classified (quarantine
 * records and counters) under the upload lease (docs/pipeline.md, "Files").
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
import { HttpError } from "../../routes/errors.ts";
import { pickColumns } from "../contracts/header.ts";
import {
  matchInventoryHeader,
  normaliseInventoryRow,
  parseSnapshotDay,
} from "../contracts/inventory.ts";
import { isoWeekOfDay, mondayOfIsoWeek } from "../contracts/buckets.ts";
import type { ReasonCode } from "../contracts/types.ts";
import type { SheetData } from "./xlsx.ts";
import { quarantineBytes, quarantineRecordOf, writeQuarantine } from "./quarantine.ts";
import { listStaged, missingColumnsError, type StagedEntry, stageInBatches } from "./staging.ts";
import type { UploadRecord } from "./upload_types.ts";
import { type FencedWriter, UPLOAD_MAX_BYTES, UPLOAD_MAX_MUTATIONS } from "./fenced_writer.ts";

/** A workbook's rows, normalised and classified in memory. */
export interface ClassifiedSheet {
  /** Data rows read (blank rows are not rows). */
  rows: number;
  /** Rows to stage, by data row number: winners and rejections. */
  staged: StagedEntry[];
  accepted: number;
  duplicates: number;
  quarantined: number;
  quarantinedByReason: Partial<Record<ReasonCode, number>>;
  unknownColumns: string[];
  /** Days found in a `snapshot_date` column (valid cells only). */
  snapshotDays: Set<string>;
}

/**
 * Normalises the rows of a sheet and keeps, for each (sku, warehouse), only
 * the last valid row; earlier ones are duplicates. A header without a
 * required column is a `422`.
 *
 * @example
 * ```ts
 * const c = classifySheet(await readInventoryWorkbook(bytes, limits));
 * ```
 */
export function classifySheet(sheet: SheetData): ClassifiedSheet {
  const match = matchInventoryHeader(sheet.header);
  if (match.missing.length > 0) throw missingColumnsError(match.missing);
  const out: ClassifiedSheet = {
    rows: sheet.rows.length,
    staged: [],
    accepted: 0,
    duplicates: 0,
    quarantined: 0,
    quarantinedByReason: {},
    unknownColumns: match.unknown,
    snapshotDays: new Set(),
  };
  const winners = new Map<string, StagedEntry>();
  const rejected: StagedEntry[] = [];
  let valid = 0;
  for (const r of sheet.rows) {
    const cells = pickColumns(r.cells, match.index);
    if (match.index.snapshot_date !== undefined) {
      const day = parseSnapshotDay(cells.snapshot_date, sheet.date1904);
      if (day.ok && day.value !== undefined) out.snapshotDays.add(day.value);
    }
    const result = normaliseInventoryRow(cells);
    if (!result.ok) {
      rejected.push({
        row: r.row,
        value: { kind: "rejected", rejection: result.rejection, raw: r.raw },
      });
      out.quarantined++;
      const reason = result.rejection.reason;
      out.quarantinedByReason[reason] = (out.quarantinedByReason[reason] ?? 0) + 1;
      continue;
    }
    valid++;
    const key = JSON.stringify([result.value.sku, result.value.warehouse]);
    winners.set(key, {
      row: r.row,
      value: { kind: "inventory", row: result.value, warnings: result.warnings, raw: r.raw },
    });
  }
  out.accepted = winners.size;
  out.duplicates = valid - winners.size;
  out.staged = [...rejected, ...winners.values()].sort((a, b) => a.row - b.row);
  return out;
}

/**
 * The week of an upload: the `week` parameter (already checked to be a
 * Monday) wins; else the ISO week of the `snapshot_date` cells, which must
 * all fall in one week (`422` otherwise); none at all is a `400`.
 */
export function resolveWeek(param: string | undefined, days: Set<string>): string {
  if (param !== undefined) return param;
  const mondays = new Set([...days].map((d) => mondayOfIsoWeek(isoWeekOfDay(d))));
  if (mondays.size === 0) {
    throw new HttpError(
      400,
      "missing_week",
      "Give the week as ?week=YYYY-MM-DD (a Monday) or in a snapshot_date column",
    );
  }
  if (mondays.size > 1) {
    throw new HttpError(
      422,
      "ambiguous_week",
      `Column "snapshot_date" spans ${mondays.size} ISO weeks (${[...mondays].sort().join(", ")})`,
    );
  }
  return [...mondays][0];
}

/** Stages the winners and rejections of a classified sheet in fenced commits. */
export async function stageInventoryRows(
  writer: FencedWriter,
  record: UploadRecord,
  sheet: ClassifiedSheet,
): Promise<void> {
  await stageInBatches(writer, record.id, sheet.staged);
}

/**
 * Classifies a `committed` inventory upload: its counts were settled in
 * memory before the file commit, so this writes the quarantine records of the
 * rejected staged rows (with their counters and the cursor), then the
 * accepted and duplicate counters, the inventory backlog and `classified`.
 */
export async function classifyInventory(
  kv: Deno.Kv,
  writer: FencedWriter,
  start: UploadRecord,
  options: { maxRounds?: number; recovered?: boolean } = {},
): Promise<UploadRecord> {
  let record: UploadRecord = structuredClone(start);
  const day = record.receivedDay;
  let rounds = 0;
  while (true) {
    if (options.maxRounds !== undefined && rounds++ >= options.maxRounds) return record;
    const rows = await listStaged(kv, record.id, record.classifyCursor);
    if (rows.length === 0) break;
    const updated = structuredClone(record);
    const deltas = new CounterDeltas();
    const records: ReturnType<typeof quarantineRecordOf>[] = [];
    let mutations = 40;
    let bytes = 0;
    for (const { row, value } of rows) {
      if (value.kind === "rejected") {
        const rec = quarantineRecordOf({
          source: "inventory",
          rejection: value.rejection,
          raw: value.raw,
          requestId: record.id,
          position: row,
          receivedAt: record.receivedAt,
          date: record.week,
        });
        const size = quarantineBytes(rec);
        if (
          records.length > 0 &&
          (mutations + 2 > UPLOAD_MAX_MUTATIONS || bytes + size > UPLOAD_MAX_BYTES)
        ) {
          break;
        }
        records.push(rec);
        mutations += 2;
        bytes += size;
        deltas.add(goldQuality("inventory", day, "received"), 1);
        deltas.add(goldQuality("inventory", day, "quarantined"), 1);
        deltas.add(goldQuality("inventory", day, `reason:${value.rejection.reason}`), 1);
      }
      updated.classifyCursor = row;
    }
    await writer.commit((op) => {
      for (const rec of records) writeQuarantine(op, rec);
      deltas.applyTo(op);
      op.set(bronzeUpload(record.id), updated);
    });
    record = updated;
  }
  const classified: UploadRecord = { ...record, status: "classified" };
  if (options.recovered) classified.recovered = true;
  await writer.commit((op) => {
    const d = new CounterDeltas();
    d.add(goldQuality("inventory", day, "received"), record.accepted + record.duplicates);
    d.add(goldQuality("inventory", day, "accepted"), record.accepted);
    d.add(goldQuality("inventory", day, "duplicates"), record.duplicates);
    d.add(metaBacklog("inventory"), record.accepted);
    d.applyTo(op);
    op.max(metaLastReceived("inventory"), BigInt(record.receivedAt));
    op.set(bronzeUpload(record.id), classified)
      .delete(metaOpenUpload(record.source, record.seq, record.id));
  });
  return classified;
}
