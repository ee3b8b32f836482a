/**
 * Staged rows of an upload, shared by the orders and inventory uploads:
 * writing them in fenced batches, listing them back for classification, and
 * the `422` for a header without its required columns.
 *
 * @module
 */

import { bronzeUploadRow, bronzeUploadRows } from "../../kv/keys.ts";
import { HttpError } from "../../routes/errors.ts";
import type { StagedRow } from "./upload_types.ts";
import { type FencedWriter, UPLOAD_MAX_BYTES, UPLOAD_MAX_MUTATIONS } from "./fenced_writer.ts";

/** One staged row with its 1-based data row number. */
export interface StagedEntry {
  row: number;
  value: StagedRow;
}

/** Staged rows listed per classification round. */
export const CLASSIFY_LIST = 500;

/**
 * The `422` for a header without its required columns, naming them.
 *
 * @example
 * ```ts
 * missingColumnsError(["sku"]).message; // 'Column "sku" is missing'
 * ```
 */
export function missingColumnsError(missing: string[]): HttpError {
  const names = missing.map((c) => `"${c}"`).join(", ");
  return new HttpError(
    422,
    "missing_column",
    missing.length === 1 ? `Column ${names} is missing` : `Columns ${names} are missing`,
  );
}

function stagedBytes(value: StagedRow): number {
  return value.raw.length * 2 + 700;
}

/**
 * Writes staged rows in fenced commits that stay under the commit limits,
 * with up to two commits in flight while the next batch is produced (so a
 * parsing source keeps parsing). An error from `rows` or a commit is thrown
 * once every commit in flight has settled.
 *
 * @example
 * ```ts
 * await stageInBatches(writer, record.id, [{ row: 1, value }]);
 * ```
 */
export async function stageInBatches(
  writer: FencedWriter,
  uploadId: string,
  rows: Iterable<StagedEntry> | AsyncIterable<StagedEntry>,
): Promise<void> {
  let batch: StagedEntry[] = [];
  let bytes = 0;
  const inFlight: Promise<boolean>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const staged = batch;
    batch = [];
    bytes = 0;
    while (inFlight.length >= 2) await inFlight.shift();
    const done = writer.commit((op) => {
      for (const r of staged) op.set(bronzeUploadRow(uploadId, r.row), r.value);
    });
    done.catch(() => {}); // observed below; never an unhandled rejection
    inFlight.push(done);
  };
  try {
    for await (const r of rows) {
      batch.push(r);
      bytes += stagedBytes(r.value);
      if (batch.length >= UPLOAD_MAX_MUTATIONS - 10 || bytes >= UPLOAD_MAX_BYTES - 40_000) {
        await flush();
      }
    }
    await flush();
    while (inFlight.length > 0) await inFlight.shift();
  } catch (err) {
    await Promise.allSettled(inFlight);
    throw err;
  }
}

/** Up to {@link CLASSIFY_LIST} staged rows of an upload after data row `after`. */
export async function listStaged(
  kv: Deno.Kv,
  uploadId: string,
  after: number,
): Promise<StagedEntry[]> {
  const out: StagedEntry[] = [];
  const iter = kv.list<StagedRow>(
    { prefix: bronzeUploadRows(uploadId), start: bronzeUploadRow(uploadId, after + 1) },
    { limit: CLASSIFY_LIST, batchSize: CLASSIFY_LIST },
  );
  for await (const e of iter) out.push({ row: e.key[3] as number, value: e.value });
  return out;
}
