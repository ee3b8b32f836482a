/**
 * The storage steps every upload shares (docs/pipeline.md, "Files"): the
 * per-source upload lease and its fenced, serialised commits; the upload
 * record and its sequence number; the file commit by SHA-256; deleting staged
 * rows; and the answer of shared/spec/api.md.
 *
 * @module
 */

import {
  acquireLease,
  fenceWithLease,
  type Lease,
  LeaseLostError,
  leaseRenewed,
  releaseLease,
} from "../../kv/lease.ts";
import {
  bronzeUpload,
  bronzeUploadRows,
  metaFileHash,
  metaOpenUpload,
  metaSequence,
  type Source,
} from "../../kv/keys.ts";
import { HttpError } from "../../routes/errors.ts";
import type { ReasonCode } from "../contracts/types.ts";
import type { UploadRecord } from "./upload_types.ts";

/** The two file sources. */
export type FileSource = Extract<Source, "orders" | "inventory">;

/** Most mutations of one upload commit (KV allows 1,000). */
export const UPLOAD_MAX_MUTATIONS = 900;
/** Most estimated bytes of one upload commit. */
export const UPLOAD_MAX_BYTES = 600 * 1024;

/** Timing of the upload lease. */
export interface UploadLeaseOptions {
  /** Lease time to live; every commit renews it, and so does a heartbeat. */
  leaseTtlMs?: number;
  /** How long to wait for another upload of the same source before a `503`. */
  leaseWaitMs?: number;
}

/**
 * The commits of one upload under its lease. Every commit checks the lease's
 * versionstamp (a fencing token: a writer whose lease expired and was taken
 * over cannot commit); up to `maxInFlight` commits run at once (staging
 * overlaps its commits). The lease is renewed by a heartbeat every third of
 * its time to live, between commits, so a slow client does not lose it.
 */
export class FencedWriter {
  #kv: Deno.Kv;
  #lease: Lease;
  #max: number;
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #renewing: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(kv: Deno.Kv, lease: Lease, maxInFlight = 2) {
    this.#kv = kv;
    this.#lease = lease;
    this.#max = Math.max(1, maxInFlight);
    const every = Math.max(50, Math.floor(lease.ttlMs / 3));
    this.#timer = setInterval(() => this.#renew().catch(() => {}), every);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  async #acquireSlot(): Promise<void> {
    while (true) {
      if (this.#renewing) await this.#renewing.catch(() => {});
      else if (this.#inFlight < this.#max) {
        this.#inFlight++;
        return;
      } else await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /**
   * Runs `build` on a fresh atomic operation, adds the fence and commits.
   * Resolves `false` when a check added by `build` failed; throws
   * {@link LeaseLostError} when the lease is gone. Commits started together
   * may land in any order: callers await a commit before one that depends on it.
   */
  async commit(build: (op: Deno.AtomicOperation) => void): Promise<boolean> {
    await this.#acquireSlot();
    try {
      if (this.#closed) throw new LeaseLostError("Upload writer is closed");
      const lease = this.#lease;
      const op = this.#kv.atomic();
      build(op);
      op.check({ key: lease.key, versionstamp: lease.versionstamp });
      const result = await op.commit();
      if (result.ok) return true;
      const current = await this.#kv.get(lease.key);
      if (current.versionstamp !== lease.versionstamp) {
        throw new LeaseLostError("Upload lease was lost");
      }
      return false;
    } finally {
      this.#inFlight--;
      this.#wake();
    }
  }

  /** Renews the lease once no commit is in flight (new commits wait meanwhile). */
  #renew(): Promise<void> {
    if (this.#renewing) return this.#renewing;
    this.#renewing = (async () => {
      while (this.#inFlight > 0) await new Promise<void>((r) => this.#waiters.push(r));
      if (this.#closed) return;
      const op = fenceWithLease(this.#kv.atomic(), this.#lease);
      const result = await op.commit();
      // A failed renewal means the lease is gone; the next commit's check says so.
      if (result.ok) this.#lease = leaseRenewed(this.#lease, result.versionstamp);
    })().finally(() => {
      this.#renewing = null;
      this.#wake();
    });
    return this.#renewing;
  }

  async #drain(): Promise<void> {
    while (this.#inFlight > 0 || this.#renewing) {
      if (this.#renewing) await this.#renewing.catch(() => {});
      else await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /**
   * Stops without releasing the lease, as a crashed process would: the lease
   * stays until it expires and nothing more is committed. For crash tests.
   */
  abandon(): void {
    clearInterval(this.#timer);
    this.#closed = true;
  }

  /** Waits for commits in flight, stops the heartbeat and releases the lease. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#drain();
    if (this.#closed) return;
    this.#closed = true;
    await releaseLease(this.#kv, this.#lease).catch(() => {});
  }
}

/**
 * Takes the upload lease of `source`, waiting while another upload holds it;
 * a `503` with `Retry-After` after `leaseWaitMs`.
 */
export async function openUploadWriter(
  kv: Deno.Kv,
  source: FileSource,
  options: UploadLeaseOptions = {},
): Promise<FencedWriter> {
  const ttlMs = options.leaseTtlMs ?? 30_000;
  const deadline = Date.now() + (options.leaseWaitMs ?? 60_000);
  const owner = crypto.randomUUID();
  let delay = 20;
  while (true) {
    const lease = await acquireLease(kv, { name: `upload:${source}`, owner, ttlMs });
    if (lease) return new FencedWriter(kv, lease);
    if (Date.now() >= deadline) {
      throw new HttpError(
        503,
        "upload_in_progress",
        `Another ${source} upload is in progress`,
        { "Retry-After": "5" },
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(500, delay * 2);
  }
}

/** Fields of a new upload record. */
export interface NewUpload {
  id: string;
  source: FileSource;
  date?: string;
  week?: string;
  fileName?: string;
  receivedAt: number;
  receivedDay: string;
}

/** A fresh record in `staging`, before its sequence number is known. */
export function blankUpload(u: NewUpload, seq: number): UploadRecord {
  const record: UploadRecord = {
    id: u.id,
    source: u.source,
    seq,
    receivedAt: u.receivedAt,
    receivedDay: u.receivedDay,
    status: "staging",
    rows: 0,
    accepted: 0,
    updates: 0,
    duplicates: 0,
    quarantined: 0,
    quarantinedByReason: {},
    warningsByField: {},
    unknownColumns: [],
    classifyCursor: 0,
    applyCursor: 0,
  };
  if (u.date !== undefined) record.date = u.date;
  if (u.week !== undefined) record.week = u.week;
  if (u.fileName !== undefined) record.fileName = u.fileName;
  return record;
}

/**
 * Allocates the next upload sequence number (`metaSequence("uploads")`,
 * advanced with a check) and writes the upload record and its
 * {@link metaOpenUpload} mark, in one fenced commit.
 */
export async function createUpload(
  kv: Deno.Kv,
  writer: FencedWriter,
  u: NewUpload,
): Promise<UploadRecord> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const seqEntry = await kv.get<number>(metaSequence("uploads"));
    const seq = (seqEntry.value ?? 0) + 1;
    const record = blankUpload(u, seq);
    const ok = await writer.commit((op) => {
      op.check(seqEntry).set(metaSequence("uploads"), seq).set(bronzeUpload(u.id), record)
        .set(metaOpenUpload(record.source, seq, u.id), null);
    });
    if (ok) return record;
  }
  throw new Error("Upload sequence is contended");
}

/** Deletes every staged row of an upload, in fenced commits. */
export async function deleteStagedRows(
  kv: Deno.Kv,
  writer: FencedWriter,
  uploadId: string,
): Promise<void> {
  while (true) {
    const keys: Deno.KvKey[] = [];
    for await (
      const e of kv.list({ prefix: bronzeUploadRows(uploadId) }, { limit: 800, batchSize: 800 })
    ) keys.push(e.key);
    if (keys.length === 0) return;
    await writer.commit((op) => {
      for (const k of keys) op.delete(k);
    });
  }
}

/** Removes an upload that was refused whole (nothing of it stays). */
export async function discardUpload(
  kv: Deno.Kv,
  writer: FencedWriter,
  record: Pick<UploadRecord, "id" | "source" | "seq">,
): Promise<void> {
  await deleteStagedRows(kv, writer, record.id);
  await writer.commit((op) => {
    op.delete(bronzeUpload(record.id)).delete(metaOpenUpload(record.source, record.seq, record.id));
  });
}

/**
 * Commits the file: checks that its SHA-256 is new, marks it, and stores the
 * record (`committed`). Returns the id of the earlier upload of the same bytes
 * instead when there is one.
 */
export async function commitFile(
  kv: Deno.Kv,
  writer: FencedWriter,
  record: UploadRecord,
): Promise<{ committed: true } | { committed: false; duplicateOf: string }> {
  const hashKey = metaFileHash(record.source, record.sha256!);
  while (true) {
    const ok = await writer.commit((op) => {
      op.check({ key: hashKey, versionstamp: null })
        .set(hashKey, record.id)
        .set(bronzeUpload(record.id), { ...record, status: "committed" } satisfies UploadRecord);
    });
    if (ok) return { committed: true };
    const existing = await kv.get<string>(hashKey);
    if (existing.value !== null) return { committed: false, duplicateOf: existing.value };
  }
}

/** Turns an upload whose bytes repeat `duplicateOf` into a `duplicate` record without rows. */
export async function markDuplicate(
  kv: Deno.Kv,
  writer: FencedWriter,
  record: UploadRecord,
  duplicateOf: string,
): Promise<UploadRecord> {
  await deleteStagedRows(kv, writer, record.id);
  const dup: UploadRecord = { ...record, status: "duplicate", duplicateOf };
  await writer.commit((op) => {
    op.set(bronzeUpload(record.id), dup).delete(
      metaOpenUpload(record.source, record.seq, record.id),
    );
  });
  return dup;
}

/** The `200` answer for an upload (shared/spec/api.md), plus what was ignored. */
export interface UploadAnswer {
  upload_id: string;
  source: FileSource;
  date?: string;
  week?: string;
  rows: number;
  accepted: number;
  updates: number;
  duplicates: number;
  quarantined: number;
  quarantined_by_reason: Partial<Record<ReasonCode, number>>;
  duplicate_file: boolean;
  /** For a duplicate file: the upload that first brought these bytes. */
  duplicate_of?: string;
  /** Header names that are not columns of the source (ignored). */
  unknown_columns: string[];
  /** Values repaired to absent, by field (`country`, `channel`). */
  warnings_by_field: Record<string, number>;
}

/** The answer for a classified upload. */
export function answerOf(record: UploadRecord): UploadAnswer {
  const answer: UploadAnswer = {
    upload_id: record.id,
    source: record.source,
    rows: record.rows,
    accepted: record.accepted,
    updates: record.updates,
    duplicates: record.duplicates,
    quarantined: record.quarantined,
    quarantined_by_reason: { ...record.quarantinedByReason },
    duplicate_file: false,
    unknown_columns: [...record.unknownColumns],
    warnings_by_field: { ...record.warningsByField },
  };
  if (record.date !== undefined) answer.date = record.date;
  if (record.week !== undefined) answer.week = record.week;
  return answer;
}

/** The answer for a duplicate file: nothing changed, so every count is zero but `rows`. */
export function duplicateAnswerOf(record: UploadRecord, original: UploadRecord): UploadAnswer {
  const answer = answerOf({
    ...record,
    rows: original.rows,
    accepted: 0,
    updates: 0,
    duplicates: 0,
    quarantined: 0,
    quarantinedByReason: {},
    warningsByField: {},
    unknownColumns: original.unknownColumns,
  });
  answer.duplicate_file = true;
  answer.duplicate_of = original.id;
  return answer;
}

/** Reads an upload record. */
export async function loadUpload(kv: Deno.Kv, id: string): Promise<UploadRecord | null> {
  return (await kv.get<UploadRecord>(bronzeUpload(id))).value;
}
