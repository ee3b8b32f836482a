/**
 * Browsing quarantined records (`GET /v1/quarantine`): newest first, filtered
 * by source (through the by-source index) and reason, in pages with an opaque
 * cursor.
 *
 * @module
 */

import type { QuarantineRecord, ReasonCode } from "../contracts/types.ts";
import { REASON_CODES } from "../contracts/types.ts";
import {
  quarantineOfSource,
  quarantineRecord,
  quarantineRecords,
  type Source,
} from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";

/** Largest page. */
export const MAX_QUARANTINE_PAGE = 500;

/** Most index entries one page examines when a reason filter skips records. */
const MAX_SCANNED = 5_000;

/** Options of {@link listQuarantine}. */
export interface ListQuarantineOptions {
  source?: Source;
  reason?: ReasonCode;
  /** The `next_cursor` of the previous page. */
  cursor?: string;
  /** Records per page (default 50, at most 500). */
  limit?: number;
}

/** One page of quarantined records. */
export interface QuarantinePage {
  records: QuarantineRecord[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  next_cursor: string | null;
}

/** Thrown for a cursor that this module did not issue. */
export class BadCursorError extends Error {
  override name = "BadCursorError";
}

/**
 * Encodes a page position as an opaque, URL-safe cursor.
 *
 * @example
 * ```ts
 * decodeCursor(encodeCursor("abc")); // "abc"
 * ```
 */
export function encodeCursor(lastId: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ after: lastId }));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Decodes a cursor of {@link encodeCursor}; throws {@link BadCursorError} otherwise. */
export function decodeCursor(cursor: string): string {
  try {
    if (!/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) throw new Error("charset");
    const b64 = cursor.replace(/-/g, "+").replace(/_/g, "/");
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "=")), (c) => c.charCodeAt(0)),
    );
    const value = JSON.parse(text) as unknown;
    if (
      typeof value === "object" && value !== null &&
      typeof (value as { after?: unknown }).after === "string"
    ) return (value as { after: string }).after;
  } catch {
    // fall through to the error below
  }
  throw new BadCursorError(`Cursor "${cursor.slice(0, 40)}" is not valid`);
}

/** True for a reason code of shared/spec/sources.md. */
export function isReasonCode(value: string): value is ReasonCode {
  return (REASON_CODES as readonly string[]).includes(value);
}

/**
 * One page of quarantined records, newest first. Replayed records are listed
 * too, with `replayedAs` set.
 *
 * @example
 * ```ts
 * const page = await listQuarantine(kv, { source: "orders", reason: "unknown_currency", limit: 20 });
 * const next = page.next_cursor ? await listQuarantine(kv, { cursor: page.next_cursor }) : null;
 * ```
 */
export async function listQuarantine(
  kv: Deno.Kv,
  options: ListQuarantineOptions = {},
): Promise<QuarantinePage> {
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 50)), MAX_QUARANTINE_PAGE);
  const after = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined;
  const prefix = options.source ? quarantineOfSource(options.source) : quarantineRecords();
  const selector: Deno.KvListSelector = after !== undefined
    ? { prefix, start: [...prefix, `${after}\u0000`] }
    : { prefix };
  const records: QuarantineRecord[] = [];
  let consumed: string | null = null;
  let scanned = 0;
  let batch: Deno.KvEntry<QuarantineRecord | null>[] = [];

  // Examines a batch in key order; false once the page is full.
  const take = async (): Promise<boolean> => {
    const values = options.source
      ? (await getManyChunked<QuarantineRecord>(
        kv,
        batch.map((e) => quarantineRecord(e.key[e.key.length - 1] as string)),
      )).map((e) => e.value)
      : batch.map((e) => e.value);
    for (let i = 0; i < batch.length; i++) {
      if (records.length >= limit) {
        batch = [];
        return false;
      }
      consumed = batch[i].key[batch[i].key.length - 1] as string;
      const r = values[i];
      if (r && (options.reason === undefined || r.reason === options.reason)) records.push(r);
    }
    batch = [];
    return records.length < limit;
  };

  const batchSize = Math.min(options.reason === undefined ? limit + 1 : 200, 500);
  let more = false;
  for await (
    const e of kv.list<QuarantineRecord | null>(selector, { batchSize })
  ) {
    batch.push(e);
    scanned++;
    if (batch.length >= (options.source ? 50 : batchSize) && !(await take())) {
      more = true;
      break;
    }
    if (scanned >= MAX_SCANNED) {
      more = true;
      break;
    }
  }
  if (!more && batch.length > 0 && !(await take())) more = true;
  else if (more && batch.length > 0) await take();
  return { records, next_cursor: more && consumed !== null ? encodeCursor(consumed) : null };
}
