/**
 * The writes of one group commit (docs/pipeline.md, "Events"). Per event:
 * `check(dedup marker absent)`, `set(dedup marker, 30 days)`, `set(bronze
 * event)`. Per quarantined record: `set(record)`, `set(by-source index)`. Per
 * commit: quality counters, the events backlog and the sources'
 * last-received times as `sum`/`max`. After a failed dedup check, the
 * markers of the group are re-read ({@link rereadMarkers}).
 *
 * @module
 */

import {
  bronzeEvent,
  goldQuality,
  metaBacklog,
  metaEventDedup,
  metaLastReceived,
  metaReplayed,
  quarantineBySource,
  quarantineRecord,
  type Source,
} from "../../kv/keys.ts";
import { shardOf } from "../../kv/ids.ts";
import { addToCounter } from "../../kv/counters.ts";
import { getManyChunked } from "../../kv/mod.ts";
import {
  type CommitOutcome,
  dayOfMs,
  DEDUP_WINDOW_MS,
  type Entry,
  type EventCommitItem,
  outcomeOf,
} from "./commit_items.ts";

/** Counter deltas of one commit, keyed by cheap strings (hot path). */
class QualityDeltas {
  readonly quality = new Map<string, { source: Source; day: string; metric: string; n: number }>();
  backlog = 0;
  // Plain events (no replay, no warning) of one day are tallied here without
  // building a counter key per event; almost every event of a commit is one.
  #day = "";
  #received = 0;
  #accepted = 0;
  #duplicates = 0;

  add(source: Source, day: string, metric: string, n: number): void {
    const id = `${source}|${day}|${metric}`;
    const e = this.quality.get(id);
    if (e) e.n += n;
    else this.quality.set(id, { source, day, metric, n });
  }

  /** Counts a plain event as received and accepted (or a duplicate). */
  addEvent(day: string, accepted: boolean): void {
    if (day !== this.#day) {
      this.#flushEvents();
      this.#day = day;
    }
    this.#received++;
    if (accepted) this.#accepted++;
    else this.#duplicates++;
  }

  #flushEvents(): void {
    if (this.#received === 0) return;
    this.add("events", this.#day, "received", this.#received);
    this.add("events", this.#day, "accepted", this.#accepted);
    this.add("events", this.#day, "duplicates", this.#duplicates);
    this.#received = this.#accepted = this.#duplicates = 0;
  }

  applyTo(op: Deno.AtomicOperation): void {
    this.#flushEvents();
    for (const e of this.quality.values()) {
      if (e.n !== 0) addToCounter(op, goldQuality(e.source, e.day, e.metric), e.n);
    }
    if (this.backlog !== 0) addToCounter(op, metaBacklog("events"), this.backlog);
  }
}

function countersOf(e: Entry, outcome: CommitOutcome, deltas: QualityDeltas): void {
  const item = e.item;
  if (item.kind === "counters") {
    for (const [metric, n] of Object.entries(item.metrics)) {
      deltas.add(item.source, item.day, metric, n);
    }
    return;
  }
  if (item.kind === "quarantine") {
    const day = dayOfMs(item.record.receivedAt);
    const source = item.record.source;
    deltas.add(source, day, "received", 1);
    deltas.add(source, day, "quarantined", 1);
    deltas.add(source, day, `reason:${item.record.reason}`, 1);
    return;
  }
  if (outcome === "already_replayed") return;
  if (item.replay) {
    // The record was counted as received and quarantined on its own day; it
    // moves from quarantined to its new outcome there, so the totals still add up.
    const record = item.replay.record;
    const day = dayOfMs(record.receivedAt);
    deltas.add(record.source, day, "quarantined", -1);
    deltas.add(record.source, day, `reason:${record.reason}`, -1);
    deltas.add(record.source, day, outcome === "accepted" ? "accepted" : "duplicates", 1);
    if (outcome === "accepted") deltas.backlog++;
    return;
  }
  const day = dayOfMs(item.event.receivedAt);
  const accepted = outcome === "accepted";
  deltas.addEvent(day, accepted);
  if (accepted) {
    for (const field of item.warnings) deltas.add("events", day, `warning:${field}`, 1);
    deltas.backlog++;
  }
}

function replayedValue(e: Entry, outcome: CommitOutcome): string {
  const item = e.item as EventCommitItem;
  return outcome === "accepted" ? item.event.id : `duplicate:${item.event.messageId}`;
}

/** Adds the writes of a group of entries to `op`. */
export function buildCommit(op: Deno.AtomicOperation, group: Entry[]): void {
  const deltas = new QualityDeltas();
  const lastReceived = new Map<Source, number>();
  for (const e of group) {
    const item = e.item;
    const outcome = outcomeOf(e);
    countersOf(e, outcome, deltas);
    if (item.kind === "quarantine") {
      op.set(quarantineRecord(item.record.id), item.record);
      op.set(quarantineBySource(item.record.source, item.record.id), null);
      const prev = lastReceived.get(item.record.source) ?? 0;
      lastReceived.set(item.record.source, Math.max(prev, item.record.receivedAt));
      continue;
    }
    if (item.kind !== "event" || outcome === "already_replayed") continue;
    if (item.replay) {
      const qid = item.replay.record.id;
      op.check({ key: metaReplayed(qid), versionstamp: null });
      op.set(metaReplayed(qid), replayedValue(e, outcome));
      op.set(quarantineRecord(qid), {
        ...item.replay.record,
        replayedAs: replayedValue(e, outcome),
      });
    } else {
      const prev = lastReceived.get("events") ?? 0;
      lastReceived.set("events", Math.max(prev, item.event.receivedAt));
    }
    if (outcome !== "accepted") continue;
    const dedup = metaEventDedup(item.event.messageId);
    op.check({ key: dedup, versionstamp: null });
    op.set(dedup, item.event.id, { expireIn: DEDUP_WINDOW_MS });
    op.set(bronzeEvent(shardOf(item.event.person), item.event.id), item.event);
  }
  deltas.applyTo(op);
  for (const [source, ms] of lastReceived) op.max(metaLastReceived(source), BigInt(ms));
}

/**
 * After a failed check: re-reads the dedup and replay markers of a group and
 * marks the events already taken (`knownDuplicate`) and the replays already
 * made (`knownReplayed`), so the group can be committed again.
 */
export async function rereadMarkers(kv: Deno.Kv, group: Entry[]): Promise<void> {
  const events = group.filter((e) =>
    e.item.kind === "event" && !e.knownDuplicate && !e.knownReplayed
  );
  const dedupKeys = events.map((e) => metaEventDedup((e.item as EventCommitItem).event.messageId));
  const replays = group.filter((e) => e.item.kind === "event" && e.item.replay && !e.knownReplayed);
  const replayKeys = replays.map((e) =>
    metaReplayed((e.item as EventCommitItem).replay!.record.id)
  );
  // Both reads at once: neither depends on the other's answer.
  const [markers, done] = await Promise.all([
    getManyChunked<string>(kv, dedupKeys),
    getManyChunked<string>(kv, replayKeys),
  ]);
  events.forEach((e, i) => {
    if (markers[i].versionstamp !== null) e.knownDuplicate = true;
  });
  replays.forEach((e, i) => {
    if (done[i].versionstamp !== null) e.knownReplayed = true;
  });
}
