/**
 * Reading classified uploads and their staged rows, for the apply jobs.
 *
 * @module
 */

import { bronzeUploadRow, bronzeUploadRows, bronzeUploads } from "../../kv/keys.ts";
import type { StagedRow, UploadRecord } from "../ingest/upload_types.ts";

/** Uploads of `source` waiting to be applied (`classified`), in upload order. */
export async function classifiedUploads(
  kv: Deno.Kv,
  source: "orders" | "inventory",
): Promise<Deno.KvEntry<UploadRecord>[]> {
  const out: Deno.KvEntry<UploadRecord>[] = [];
  for await (const e of kv.list<UploadRecord>({ prefix: bronzeUploads() }, { batchSize: 500 })) {
    if (e.value.source === source && e.value.status === "classified") out.push(e);
  }
  out.sort((a, b) => a.value.seq - b.value.seq);
  return out;
}

/** Staged rows of an upload after row `cursor`, at most `limit`, in row order. */
export async function stagedRowsAfter(
  kv: Deno.Kv,
  uploadId: string,
  cursor: number,
  limit: number,
): Promise<{ row: number; value: StagedRow }[]> {
  const out: { row: number; value: StagedRow }[] = [];
  const iter = kv.list<StagedRow>(
    { prefix: bronzeUploadRows(uploadId), start: bronzeUploadRow(uploadId, cursor + 1) },
    { limit, batchSize: Math.min(limit, 1000) },
  );
  for await (const e of iter) out.push({ row: e.key[3] as number, value: e.value });
  return out;
}
