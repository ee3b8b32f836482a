/**
 * What the group committer takes (docs/pipeline.md, "Events"): commit items
 * and their outcomes, each item's cost against KV's commit limits, and the
 * budget of a commit being assembled. The writes are in `commit_writes.ts`.
 *
 * @module
 */

import type { CleanEvent, QuarantineRecord } from "../contracts/types.ts";
import type { Source } from "../../kv/keys.ts";
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

/** A request waiting for its items (one promise per `submit`). */
export interface Waiter {
  outcomes: CommitOutcome[];
  remaining: number;
  failed: boolean;
  resolve: (outcomes: CommitOutcome[]) => void;
  reject: (err: unknown) => void;
}

/** One submitted item, with its request and position in it. */
export interface Entry {
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
export const COUNTER_RESERVE = 6;

/** Checks, mutations and estimated bytes an entry adds to a commit. */
export function entryCost(e: Entry): { checks: number; mutations: number; bytes: number } {
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
export function dayOfMs(ms: number): string {
  const n = Math.floor(ms / 86_400_000);
  if (n !== memoDayNumber) {
    memoDay = dayOf(ms);
    memoDayNumber = n;
  }
  return memoDay;
}

/** The outcome an entry gets when its commit succeeds. */
export function outcomeOf(e: Entry): CommitOutcome {
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

/** The `messageId` an item claims, or `null`. */
export function dedupIdOf(item: CommitItem): string | null {
  return item.kind === "event" ? item.event.messageId : null;
}

/**
 * The distinct counter mutations an item may add to a commit (as cheap
 * strings), so a group's mutation budget counts each counter once.
 */
export function counterKindsOf(item: CommitItem): string[] {
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

/** Limits of one commit, as {@link GroupBudget} checks them. */
export interface CommitLimits {
  maxChecks: number;
  maxMutations: number;
  maxBytes: number;
}

/**
 * What a commit being assembled has used of KV's limits, and which
 * `messageId`s it holds (a commit never holds one twice: two checks of one
 * absent key would both pass).
 */
export class GroupBudget {
  readonly group: Entry[] = [];
  readonly #limits: CommitLimits;
  readonly #busyIds: ReadonlyMap<string, number>;
  readonly #ids = new Set<string>();
  readonly #counterKinds = new Set<string>();
  #lastKinds: string[] | null = null;
  #checks = 0;
  #mutations = COUNTER_RESERVE;
  #bytes = 0;

  /** `busyIds`: the `messageId`s of commits being written, which must wait too. */
  constructor(limits: CommitLimits, busyIds: ReadonlyMap<string, number>) {
    this.#limits = limits;
    this.#busyIds = busyIds;
  }

  /** Adds `e` if it fits: `blocked` when its `messageId` is taken, `full` when over a limit. */
  take(e: Entry): "taken" | "blocked" | "full" {
    const id = dedupIdOf(e.item);
    if (id !== null && (this.#ids.has(id) || this.#busyIds.has(id))) return "blocked";
    const cost = entryCost(e);
    // Distinct counters grow with reasons and warnings; count them as they appear.
    const kinds = counterKindsOf(e.item);
    let newCounters = 0;
    // Plain events of one day share one kinds array: once counted, always counted.
    const known = kinds === this.#lastKinds;
    if (!known) { for (const k of kinds) if (!this.#counterKinds.has(k)) newCounters++; }
    const l = this.#limits;
    if (
      this.group.length > 0 &&
      (this.#checks + cost.checks > l.maxChecks ||
        this.#mutations + cost.mutations + newCounters > l.maxMutations ||
        this.#bytes + cost.bytes > l.maxBytes)
    ) return "full";
    if (!known) {
      for (const k of kinds) this.#counterKinds.add(k);
      this.#lastKinds = kinds;
    }
    this.#checks += cost.checks;
    this.#mutations += cost.mutations + newCounters;
    this.#bytes += cost.bytes;
    if (id !== null) this.#ids.add(id);
    this.group.push(e);
    return "taken";
  }
}

/** Limits and timing of the group committer (`committer.ts`). */
export interface CommitterOptions {
  /** Most checks per commit (KV allows 100). */
  maxChecks: number;
  /** Most mutations per commit (KV allows 1,000). */
  maxMutations: number;
  /** Most estimated bytes per commit (KV allows ~800 KiB locally). */
  maxBytes: number;
  /** How long the first waiting record may wait for company when no commit is being written. */
  lingerMs: number;
  /** Commits in flight at once (the next commit is built and queued while one is written). */
  maxInFlight: number;
  /**
   * Waiting records that start another commit while one is written. Fewer wait
   * for that commit to end; `maxChecks` or more always start at once.
   */
  overlapAt: number;
}

/** Defaults of docs/pipeline.md. */
export const DEFAULT_COMMITTER_OPTIONS: CommitterOptions = {
  maxChecks: 90,
  maxMutations: 900,
  maxBytes: 600 * 1024,
  lingerMs: 1,
  maxInFlight: 2,
  overlapAt: 90,
};
