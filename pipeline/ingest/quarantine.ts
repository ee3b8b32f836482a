/**
 * Building quarantine records and writing them with their index.
 *
 * @module
 */

import type { QuarantineRecord, Rejection } from "../contracts/types.ts";
import { newestFirstId } from "../../kv/ids.ts";
import { quarantineBySource, quarantineRecord } from "../../kv/keys.ts";

/**
 * Most characters of a raw form kept in a quarantine record. KV values are
 * at most 64 KiB; records over their size limit keep their start only.
 */
export const RAW_KEEP_CHARS = 16 * 1024;

/** Shortens a raw form to {@link RAW_KEEP_CHARS} (only `too_large` records are that long). */
export function keepRaw(raw: string): string {
  return raw.length <= RAW_KEEP_CHARS ? raw : raw.slice(0, RAW_KEEP_CHARS);
}

/** Options of {@link quarantineRecordOf}. */
export interface QuarantineRecordOptions {
  source: QuarantineRecord["source"];
  rejection: Rejection;
  raw: string;
  requestId: string;
  position: number;
  receivedAt: number;
  historical?: boolean;
  date?: string;
  request?: QuarantineRecord["request"];
}

/**
 * A quarantine record with a fresh newest-first id.
 *
 * @example
 * ```ts
 * quarantineRecordOf({ source: "events", rejection, raw: "{", requestId: "r1", position: 0, receivedAt: Date.now() });
 * ```
 */
export function quarantineRecordOf(o: QuarantineRecordOptions): QuarantineRecord {
  const record: QuarantineRecord = {
    id: newestFirstId(o.receivedAt),
    source: o.source,
    reason: o.rejection.reason,
    message: o.rejection.message,
    raw: keepRaw(o.raw),
    requestId: o.requestId,
    position: o.position,
    receivedAt: o.receivedAt,
  };
  if (o.rejection.field !== undefined) record.field = o.rejection.field;
  if (o.historical) record.historical = true;
  if (o.date !== undefined) record.date = o.date;
  if (o.request && Object.values(o.request).some((v) => v !== undefined)) {
    record.request = o.request;
  }
  return record;
}

/** Adds a quarantine record and its by-source index entry to `op` (two mutations). */
export function writeQuarantine(op: Deno.AtomicOperation, record: QuarantineRecord): void {
  op.set(quarantineRecord(record.id), record);
  op.set(quarantineBySource(record.source, record.id), null);
}

/** Estimated stored size of a quarantine record, for commit budgets. */
export function quarantineBytes(record: QuarantineRecord): number {
  return record.raw.length * 2 + record.message.length * 2 + 512;
}
