/**
 * The group committer: records from every concurrent request are collected
 * for a moment and written in shared atomic commits (docs/pipeline.md,
 * "Events"). A request's promise resolves only when all of its records are
 * committed, so a `200` always means durable.
 *
 * Per event: `check(dedup marker absent)`, `set(dedup marker, 30 days)`,
 * `set(bronze event)`. Per quarantined record: `set(record)`, `set(by-source
 * index)`. Per commit: quality counters, the events backlog and the sources'
 * last-received times as `sum`/`max`. When a dedup check fails (a racing
 * retry, possibly from another process) the markers are re-read, the events
 * already accepted become duplicates, and the rest are committed again.
 *
 * @module
 */

import type { CleanEvent, QuarantineRecord } from "../contracts/types.ts";
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
import { dayOf } from "../contracts/buckets.ts";

/** How long an accepted `messageId` blocks a repeat (sources.md: 30 days). */
export const DEDUP_WINDOW_MS = 30 * 86_400_000;

/** A quarantined record being replayed: its acceptance marks it, exactly once. */
export interface ReplayOf {
  /** The quarantine record as stored (its `replayedAs` is set in the commit). */
  record: QuarantineRecord;
}

/** A validated event to land in bronze, unless its `messageId` was seen. */
export interface EventCommitItem {
  kind: "event";
  event: CleanEvent;
  /** Fields with a quality warning (counted as `warning:<field>` when accepted). */
  warnings: string[];
  /** Estimated stored size in bytes (the event's JSON size is a good estimate). */
  bytes: number;
  /** Set when this event replays a quarantined record (see {@link ReplayOf}). */
  replay?: ReplayOf;
}

/** A record to quarantine (any source). */
export interface QuarantineCommitItem {
  kind: "quarantine";
  record: QuarantineRecord;
}

/** Counter deltas only, e.g. `rejected:413` for a refused request. */
export interface CounterCommitItem {
  kind: "counters";
  source: Source;
  day: string;
  metrics: Record<string, number>;
}

/** Anything the committer writes. */
export type CommitItem = EventCommitItem | QuarantineCommitItem | CounterCommitItem;

/**
 * What became of an item: `accepted` (in bronze), `duplicate` (its `messageId`
 * was accepted before), `quarantined`, `counted` (counter items),
 * `already_replayed` (a replay of a record that was replayed before).
 */
export type CommitOutcome =
  | "accepted"
  | "duplicate"
  | "quarantined"
  | "counted"
  | "already_replayed";

/** Limits and timing of a {@link GroupCommitter}. */
export interface CommitterOptions {
  /** Most checks per commit (KV allows 100). */
  maxChecks: number;
  /** Most mutations per commit (KV allows 1,000). */
  maxMutations: number;
  /** Most estimated bytes per commit (KV allows ~800 KiB locally). */
  maxBytes: number;
  /** How long the first waiting record may wait for company before a commit starts. */
  lingerMs: number;
  /** Commits in flight at once (the next commit is built while one is written). */
  maxInFlight: number;
}

/** Defaults of docs/pipeline.md. */
export const DEFAULT_COMMITTER_OPTIONS: CommitterOptions = {
  maxChecks: 90,
  maxMutations: 900,
  maxBytes: 600 * 1024,
  lingerMs: 1,
  maxInFlight: 2,
};

interface Waiter {
  outcomes: CommitOutcome[];
  remaining: number;
  failed: boolean;
  resolve: (outcomes: CommitOutcome[]) => void;
  reject: (err: unknown) => void;
}

interface Entry {
  item: CommitItem;
  waiter: Waiter;
  index: number;
  /** Set after a failed check showed the event's `messageId` is taken. */
  knownDuplicate?: boolean;
  /** Set after a failed check showed the replay happened before. */
  knownReplayed?: boolean;
}

const KEY_OVERHEAD = 160;
/** Mutations kept free for the counters, backlog and last-received of a commit. */
const COUNTER_RESERVE = 6;

function entryCost(e: Entry): { checks: number; mutations: number; bytes: number } {
  const item = e.item;
  if (item.kind === "event") {
    if (e.knownReplayed) return { checks: 0, mutations: 0, bytes: 0 };
    let checks = e.knownDuplicate ? 0 : 1;
    let mutations = e.knownDuplicate ? 0 : 2;
    let bytes = e.knownDuplicate ? 0 : item.bytes + 2 * KEY_OVERHEAD;
    if (item.replay) {
      checks += 1;
      mutations += 2;
      bytes += item.replay.record.raw.length * 2 + 1024;
    }
    return { checks, mutations, bytes };
  }
  if (item.kind === "quarantine") {
    return {
      checks: 0,
      mutations: 2,
      bytes: item.record.raw.length * 2 + item.record.message.length * 2 + 1024,
    };
  }
  return { checks: 0, mutations: 0, bytes: 64 };
}

let memoDayNumber = Number.NaN;
let memoDay = "";

/** `dayOf` with a one-entry memo: the records of a commit almost always share a day. */
function dayOfMs(ms: number): string {
  const n = Math.floor(ms / 86_400_000);
  if (n !== memoDayNumber) {
    memoDay = dayOf(ms);
    memoDayNumber = n;
  }
  return memoDay;
}

/** Counter deltas of one commit, keyed by cheap strings (hot path). */
class QualityDeltas {
  readonly quality = new Map<string, { source: Source; day: string; metric: string; n: number }>();
  backlog = 0;

  add(source: Source, day: string, metric: string, n: number): void {
    const id = `${source}|${day}|${metric}`;
    const e = this.quality.get(id);
    if (e) e.n += n;
    else this.quality.set(id, { source, day, metric, n });
  }

  applyTo(op: Deno.AtomicOperation): void {
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
  deltas.add("events", day, "received", 1);
  if (outcome === "accepted") {
    deltas.add("events", day, "accepted", 1);
    for (const field of item.warnings) deltas.add("events", day, `warning:${field}`, 1);
    deltas.backlog++;
  } else {
    deltas.add("events", day, "duplicates", 1);
  }
}

function outcomeOf(e: Entry): CommitOutcome {
  switch (e.item.kind) {
    case "counters":
      return "counted";
    case "quarantine":
      return "quarantined";
    case "event":
      if (e.knownReplayed) return "already_replayed";
      return e.knownDuplicate ? "duplicate" : "accepted";
  }
}

function replayedValue(e: Entry, outcome: CommitOutcome): string {
  const item = e.item as EventCommitItem;
  return outcome === "accepted" ? item.event.id : `duplicate:${item.event.messageId}`;
}

/** Adds the writes of a group to `op`; returns the number of mutations used. */
function buildCommit(op: Deno.AtomicOperation, group: Entry[]): void {
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

function dedupIdOf(item: CommitItem): string | null {
  return item.kind === "event" ? item.event.messageId : null;
}

/**
 * Collects records from concurrent requests into shared atomic commits.
 * One instance per KV handle: use {@link committerFor}.
 *
 * @example
 * ```ts
 * const outcomes = await committerFor(kv).submit([{ kind: "event", event, warnings: [], bytes: 300 }]);
 * outcomes[0]; // "accepted" | "duplicate"
 * ```
 */
export class GroupCommitter {
  readonly #kv: Deno.Kv;
  readonly #options: CommitterOptions;
  #queue: Entry[] = [];
  #head = 0;
  /** Entries set aside because their `messageId` was in a commit being built or written. */
  #deferred: Entry[] = [];
  #inFlight = 0;
  #inFlightIds = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #idle: (() => void)[] = [];
  /** Commits written (for tests and metrics). */
  commits = 0;

  constructor(kv: Deno.Kv, options: Partial<CommitterOptions> = {}) {
    this.#kv = kv;
    this.#options = { ...DEFAULT_COMMITTER_OPTIONS, ...options };
  }

  /** Items waiting for a commit. */
  get pending(): number {
    return this.#queue.length - this.#head + this.#deferred.length;
  }

  /**
   * Queues items and resolves with their outcomes, in order, once every one
   * is committed. Rejects when KV fails (nothing is then promised).
   */
  submit(items: readonly CommitItem[]): Promise<CommitOutcome[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<CommitOutcome[]>((resolve, reject) => {
      const waiter: Waiter = {
        outcomes: new Array(items.length),
        remaining: items.length,
        failed: false,
        resolve,
        reject,
      };
      for (let i = 0; i < items.length; i++) {
        this.#queue.push({ item: items[i], waiter, index: i });
      }
      this.#schedule();
    });
  }

  /** Resolves when nothing is waiting or being written. */
  idle(): Promise<void> {
    if (this.pending === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.pending === 0 || this.#inFlight >= this.#options.maxInFlight) return;
    const full = this.pending >= this.#options.maxChecks;
    // While a commit is written, waiting records join the next one unless they
    // fill a commit by themselves: fewer, fuller commits when each costs a sync.
    if (this.#inFlight > 0 && !full) return;
    if (full) {
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      this.#startCommit();
      return;
    }
    if (this.#timer !== undefined) return;
    if (this.#options.lingerMs <= 0) {
      this.#startCommit();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startCommit();
    }, Math.max(0, this.#options.lingerMs));
  }

  #takeGroup(): Entry[] {
    const o = this.#options;
    const group: Entry[] = [];
    const ids = new Set<string>();
    let checks = 0;
    let mutations = COUNTER_RESERVE;
    let bytes = 0;
    const counterKinds = new Set<string>();
    const blocked: Entry[] = [];
    const take = (e: Entry): "taken" | "blocked" | "full" => {
      const id = dedupIdOf(e.item);
      if (id !== null && (ids.has(id) || this.#inFlightIds.has(id))) return "blocked";
      const cost = entryCost(e);
      // Distinct counters grow with reasons and warnings; count them as they appear.
      let newCounters = 0;
      const kinds = counterKindsOf(e.item);
      for (const k of kinds) if (!counterKinds.has(k)) newCounters++;
      if (
        group.length > 0 &&
        (checks + cost.checks > o.maxChecks ||
          mutations + cost.mutations + newCounters > o.maxMutations ||
          bytes + cost.bytes > o.maxBytes)
      ) return "full";
      for (const k of kinds) counterKinds.add(k);
      checks += cost.checks;
      mutations += cost.mutations + newCounters;
      bytes += cost.bytes;
      if (id !== null) ids.add(id);
      group.push(e);
      return "taken";
    };
    let full = false;
    const deferred = this.#deferred;
    this.#deferred = [];
    for (let i = 0; i < deferred.length; i++) {
      if (full) {
        blocked.push(deferred[i]);
        continue;
      }
      const r = take(deferred[i]);
      if (r === "blocked") blocked.push(deferred[i]);
      else if (r === "full") {
        full = true;
        blocked.push(deferred[i]);
      }
    }
    while (!full && this.#head < this.#queue.length) {
      const e = this.#queue[this.#head];
      const r = take(e);
      if (r === "full") break;
      this.#head++;
      if (r === "blocked") blocked.push(e);
    }
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#deferred.push(...blocked);
    return group;
  }

  #startCommit(): void {
    const group = this.#takeGroup();
    if (group.length === 0) {
      this.#checkIdle();
      return;
    }
    this.#inFlight++;
    for (const e of group) {
      const id = dedupIdOf(e.item);
      if (id !== null) this.#inFlightIds.set(id, (this.#inFlightIds.get(id) ?? 0) + 1);
    }
    this.#commitGroup(group)
      .catch((err) => {
        for (const e of group) this.#fail(e, err);
      })
      .finally(() => {
        this.#inFlight--;
        for (const e of group) {
          const id = dedupIdOf(e.item);
          if (id === null) continue;
          const n = (this.#inFlightIds.get(id) ?? 1) - 1;
          if (n <= 0) this.#inFlightIds.delete(id);
          else this.#inFlightIds.set(id, n);
        }
        if (this.pending > 0) {
          // Records waited at least one commit: write them now.
          if (this.#timer !== undefined) {
            clearTimeout(this.#timer);
            this.#timer = undefined;
          }
          this.#startCommit();
          this.#schedule();
        }
        this.#checkIdle();
      });
    if (this.pending > 0) this.#schedule();
  }

  #checkIdle(): void {
    if (this.pending === 0 && this.#inFlight === 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  #settle(e: Entry, outcome: CommitOutcome): void {
    const w = e.waiter;
    if (w.failed) return;
    w.outcomes[e.index] = outcome;
    if (--w.remaining === 0) w.resolve(w.outcomes);
  }

  #fail(e: Entry, err: unknown): void {
    const w = e.waiter;
    if (w.failed) return;
    w.failed = true;
    w.reject(err);
  }

  async #commitGroup(group: Entry[]): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const op = this.#kv.atomic();
      buildCommit(op, group);
      let result: Deno.KvCommitResult | Deno.KvCommitError;
      try {
        result = await op.commit();
      } catch (err) {
        await this.#commitApart(group, err);
        return;
      }
      if (result.ok) {
        this.commits++;
        for (const e of group) this.#settle(e, outcomeOf(e));
        return;
      }
      await this.#rereadMarkers(group);
    }
    throw new Error("Commit kept failing its dedup checks");
  }

  /** After a failed check: which events are taken, which replays happened. */
  async #rereadMarkers(group: Entry[]): Promise<void> {
    const events = group.filter((e) =>
      e.item.kind === "event" && !e.knownDuplicate && !e.knownReplayed
    );
    const dedupKeys = events.map((e) =>
      metaEventDedup((e.item as EventCommitItem).event.messageId)
    );
    const replays = group.filter((e) =>
      e.item.kind === "event" && e.item.replay && !e.knownReplayed
    );
    const replayKeys = replays.map((e) =>
      metaReplayed((e.item as EventCommitItem).replay!.record.id)
    );
    // Both reads at once: neither depends on the other's answer.
    const [markers, done] = await Promise.all([
      getManyChunked<string>(this.#kv, dedupKeys),
      getManyChunked<string>(this.#kv, replayKeys),
    ]);
    events.forEach((e, i) => {
      if (markers[i].versionstamp !== null) e.knownDuplicate = true;
    });
    replays.forEach((e, i) => {
      if (done[i].versionstamp !== null) e.knownReplayed = true;
    });
  }

  /**
   * A commit that throws (not a failed check) is split until the record that
   * cannot be stored is alone; that record fails its request.
   */
  async #commitApart(group: Entry[], err: unknown): Promise<void> {
    if (group.length === 1) {
      this.#fail(group[0], err);
      return;
    }
    const mid = group.length >> 1;
    await this.#commitGroup(group.slice(0, mid)).catch((e) => {
      for (const x of group.slice(0, mid)) this.#fail(x, e);
    });
    await this.#commitGroup(group.slice(mid)).catch((e) => {
      for (const x of group.slice(mid)) this.#fail(x, e);
    });
  }
}

function counterKindsOf(item: CommitItem): string[] {
  if (item.kind === "counters") {
    return Object.keys(item.metrics).map((m) => `${item.source}|${item.day}|${m}`);
  }
  if (item.kind === "quarantine") {
    const base = `${item.record.source}|${dayOfMs(item.record.receivedAt)}|`;
    return [base + "received", base + "quarantined", base + "reason:" + item.record.reason, "lr"];
  }
  if (item.replay) {
    const r = item.replay.record;
    const base = `${r.source}|${dayOfMs(r.receivedAt)}|`;
    return [
      base + "quarantined",
      base + "reason:" + r.reason,
      base + "accepted",
      base + "dup",
      "bl",
    ];
  }
  const day = dayOfMs(item.event.receivedAt);
  if (item.warnings.length === 0) {
    let kinds = plainEventKinds.get(day);
    if (!kinds) {
      const base = `events|${day}|`;
      kinds = [base + "received", base + "accepted", base + "duplicates", "bl", "lr"];
      plainEventKinds.set(day, kinds);
    }
    return kinds;
  }
  const base = `events|${day}|`;
  const kinds = [base + "received", base + "accepted", base + "duplicates", "bl", "lr"];
  for (const w of item.warnings) kinds.push(base + "warning:" + w);
  return kinds;
}

/** Counter kinds of a plain event, by day (shared arrays: the hot path allocates nothing). */
const plainEventKinds = new Map<string, string[]>();

const committers = new WeakMap<Deno.Kv, GroupCommitter>();

/**
 * The process-wide committer of a KV handle (created on first use).
 *
 * @example
 * ```ts
 * await committerFor(kv).idle();
 * ```
 */
export function committerFor(kv: Deno.Kv, options?: Partial<CommitterOptions>): GroupCommitter {
  let c = committers.get(kv);
  if (!c) {
    c = new GroupCommitter(kv, options);
    committers.set(kv, c);
  }
  return c;
}

/**
 * Commits records through the shared committer of `kv` and resolves with
 * their outcomes in order. This is what a replay of a quarantined event calls:
 * `commitEvents(kv, [{ kind: "event", event, warnings, bytes, replay: { record } }])`
 * accepts the event exactly once and marks the record (`metaReplayed`,
 * `replayedAs`) in the same commit.
 *
 * @example
 * ```ts
 * const [outcome] = await commitEvents(kv, [{ kind: "event", event, warnings: [], bytes: 400 }]);
 * ```
 */
export function commitEvents(kv: Deno.Kv, items: readonly CommitItem[]): Promise<CommitOutcome[]> {
  return committerFor(kv).submit(items);
}
