/**
 * The group committer: records from every concurrent request are collected
 * for a moment and written in shared atomic commits (docs/pipeline.md,
 * "Events"). A request's promise resolves only when all of its records are
 * committed, so a `200` always means durable. What one commit writes is in
 * `commit_writes.ts`; the items and their costs in `commit_items.ts`.
 *
 * When a dedup check fails (a racing retry, possibly from another process)
 * the markers are re-read, the events already accepted become duplicates, and
 * the rest are committed again.
 *
 * @module
 */

import {
  type CommitItem,
  type CommitOutcome,
  type CommitterOptions,
  dedupIdOf,
  DEFAULT_COMMITTER_OPTIONS,
  type Entry,
  GroupBudget,
  outcomeOf,
  type Waiter,
} from "./commit_items.ts";
import { buildCommit, rereadMarkers } from "./commit_writes.ts";

export {
  type CommitItem,
  type CommitOutcome,
  type CommitterOptions,
  type CounterCommitItem,
  DEDUP_WINDOW_MS,
  DEFAULT_COMMITTER_OPTIONS,
  type EventCommitItem,
  type QuarantineCommitItem,
  type ReplayOf,
} from "./commit_items.ts";

/** How an entry ended: an outcome, or the error that failed its request. */
type Settled = { e: Entry; outcome: CommitOutcome } | { e: Entry; outcome: null; error: unknown };

function failed(group: readonly Entry[], error: unknown): Settled[] {
  return group.map((e) => ({ e, outcome: null, error }));
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
    const o = this.#options;
    while (this.pending > 0 && this.#inFlight < o.maxInFlight) {
      const pending = this.pending;
      // While a commit is written, waiting records join the next one unless
      // there are enough of them to be worth a commit of their own.
      const now = pending >= o.maxChecks || (this.#inFlight > 0 && pending >= o.overlapAt);
      if (!now) break;
      this.#clearTimer();
      if (!this.#startCommit()) return;
    }
    if (this.#inFlight > 0 || this.pending === 0 || this.#timer !== undefined) return;
    if (o.lingerMs <= 0) {
      this.#startCommit();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startCommit();
      this.#schedule();
    }, o.lingerMs);
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #takeGroup(): Entry[] {
    const budget = new GroupBudget(this.#options, this.#inFlightIds);
    const blocked: Entry[] = [];
    let full = false;
    const deferred = this.#deferred;
    this.#deferred = [];
    for (let i = 0; i < deferred.length; i++) {
      const r = full ? "full" : budget.take(deferred[i]);
      if (r === "full") full = true;
      if (r !== "taken") blocked.push(deferred[i]);
    }
    while (!full && this.#head < this.#queue.length) {
      const e = this.#queue[this.#head];
      const r = budget.take(e);
      if (r === "full") break;
      this.#head++;
      if (r === "blocked") blocked.push(e);
    }
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    for (const e of blocked) this.#deferred.push(e);
    return budget.group;
  }

  /** Starts a commit of what waits; `false` when nothing could be taken. */
  #startCommit(): boolean {
    const group = this.#takeGroup();
    if (group.length === 0) {
      this.#checkIdle();
      return false;
    }
    this.#inFlight++;
    for (const e of group) {
      const id = dedupIdOf(e.item);
      if (id !== null) this.#inFlightIds.set(id, (this.#inFlightIds.get(id) ?? 0) + 1);
    }
    this.#commitGroup(group).then(
      (settled) => this.#finish(group, settled),
      (err) => this.#finish(group, failed(group, err)),
    );
    return true;
  }

  /** Frees the commit's slot, hands it to waiting records, then answers the group's requests. */
  #finish(group: Entry[], settled: Settled[]): void {
    this.#inFlight--;
    for (const e of group) {
      const id = dedupIdOf(e.item);
      if (id === null) continue;
      const n = (this.#inFlightIds.get(id) ?? 1) - 1;
      if (n <= 0) this.#inFlightIds.delete(id);
      else this.#inFlightIds.set(id, n);
    }
    // Records that waited for this commit go first: KV gets its next commit
    // before the answers of this one are built.
    if (this.pending > 0) {
      this.#clearTimer();
      if (this.#startCommit()) this.#schedule();
    }
    for (const s of settled) {
      if (s.outcome === null) this.#fail(s.e, s.error);
      else this.#settle(s.e, s.outcome);
    }
    this.#checkIdle();
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

  async #commitGroup(group: Entry[]): Promise<Settled[]> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const op = this.#kv.atomic();
      buildCommit(op, group);
      let result: Deno.KvCommitResult | Deno.KvCommitError;
      try {
        result = await op.commit();
      } catch (err) {
        return await this.#commitApart(group, err);
      }
      if (result.ok) {
        this.commits++;
        return group.map((e) => ({ e, outcome: outcomeOf(e) }));
      }
      await rereadMarkers(this.#kv, group);
    }
    throw new Error("Commit kept failing its dedup checks");
  }

  /**
   * A commit that throws (not a failed check) is split until the record that
   * cannot be stored is alone; that record fails its request.
   */
  async #commitApart(group: Entry[], err: unknown): Promise<Settled[]> {
    if (group.length === 1) return failed(group, err);
    const mid = group.length >> 1;
    const halves = [group.slice(0, mid), group.slice(mid)];
    const settled: Settled[] = [];
    for (const half of halves) {
      settled.push(...await this.#commitGroup(half).catch((e) => failed(half, e)));
    }
    return settled;
  }
}

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
