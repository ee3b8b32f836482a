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
import { quarantineRecord } from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { QuarantineRecord, ReasonCode } from "../contracts/types.ts";
import { listQuarantine, type ListQuarantineOptions } from "./quarantine_list.ts";
import { replayEvents } from "./replay_events.ts";
import { replayOrders } from "./replay_orders.ts";
import type { ReplayResultItem, ReplayStatus } from "./replay_types.ts";

export type { ReplayResultItem, ReplayStatus } from "./replay_types.ts";

/** Most records one replay request handles. */
export const MAX_REPLAY = 10_000;

/** Which records to replay: explicit ids, or filters (newest first). */
export type ReplaySelection =
  | { ids: string[] }
  | { source?: ListQuarantineOptions["source"]; reason?: ReasonCode; limit?: number };

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
