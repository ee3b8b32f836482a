/**
 * Replay of quarantined events: read again from their raw JSON with their
 * original receipt time, historical flag and request id, and committed through
 * the ingest committer, which marks the record (`metaReplayed`, `replayedAs`)
 * and moves the quality counters in the commit of the acceptance.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { oldestFirstId } from "../../kv/ids.ts";
import type { QuarantineRecord } from "../contracts/types.ts";
import { commitEvents, type CommitItem } from "../ingest/committer.ts";
import { type EventRequestContext, prepareEvent } from "../ingest/events.ts";
import { utf8Length } from "../ingest/body.ts";
import { rejectedItem, type ReplayResultItem } from "./replay_types.ts";

/** Replays quarantined events; each is accepted at most once. */
export async function replayEvents(
  kv: Deno.Kv,
  config: Config,
  records: QuarantineRecord[],
  now: number,
): Promise<ReplayResultItem[]> {
  const out: ReplayResultItem[] = [];
  const items: CommitItem[] = [];
  const ids: string[] = [];
  for (const record of records) {
    let value: unknown;
    try {
      value = JSON.parse(record.raw);
    } catch {
      out.push(rejectedItem(record.id, {
        reason: "malformed",
        message: "Event is not valid JSON",
      }));
      continue;
    }
    const ctx: EventRequestContext = {
      requestId: record.requestId,
      receivedAt: record.receivedAt,
      historical: record.historical ?? false,
      impliedType: record.request?.impliedType,
      batchSentAt: record.request?.sentAt,
      batchContext: record.request?.context,
      eventBytes: config.limits.eventBytes,
    };
    const raw = { value, text: record.raw, bytes: utf8Length(record.raw), index: record.position };
    const item = prepareEvent(raw, ctx, 0);
    if (item.kind !== "event") {
      const rejection = item.kind === "quarantine" ? item.record : null;
      out.push(rejectedItem(record.id, {
        reason: rejection?.reason ?? "malformed",
        field: rejection?.field,
        message: rejection?.message ?? "Event cannot be read",
      }));
      continue;
    }
    // A new ingest id: the replayed event is new to the pipeline (lag, cursors).
    items.push({ ...item, event: { ...item.event, id: oldestFirstId(now) }, replay: { record } });
    ids.push(record.id);
  }
  if (items.length > 0) {
    const outcomes = await commitEvents(kv, items);
    outcomes.forEach((o, i) => {
      const item = items[i] as Extract<CommitItem, { kind: "event" }>;
      if (o === "accepted") {
        out.push({ id: ids[i], status: "accepted", replayed_as: item.event.id });
      } else if (o === "duplicate") out.push({ id: ids[i], status: "duplicate" });
      else out.push({ id: ids[i], status: "already_replayed" });
    });
  }
  return out;
}
