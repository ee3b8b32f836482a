/**
 * Test fixtures of the pipeline tests: land bronze events and staged uploads
 * the way the ingest edge does (dedup markers, upload sequence, staged rows,
 * backlog counters), without going through HTTP, plus a dump of gold for
 * comparisons.
 *
 * @module
 */

import {
  bronzeEvent,
  bronzeUpload,
  bronzeUploadRow,
  goldCountersAll,
  goldRetentionAll,
  goldSkuCountersAll,
  goldViewsAll,
  metaBacklog,
  metaEventDedup,
  metaFileHash,
  metaSequence,
} from "../kv/keys.ts";
import { oldestFirstId, shardOf } from "../kv/ids.ts";
import { addToCounter, counterValue } from "../kv/counters.ts";
import { dayOf, funnelStepOf } from "../pipeline/contracts/mod.ts";
import type {
  CleanEvent,
  EventType,
  InventoryRow,
  OrderLine,
} from "../pipeline/contracts/types.ts";
import type { StagedRow, UploadRecord } from "../pipeline/ingest/upload_types.ts";

/** Monday 2026-11-23 12:00 UTC, the default order time of {@link orderLine}. */
export const ORDER_MON = Date.UTC(2026, 10, 23, 12);

/** A placed line `o1`/1 of customer `c1`: 1 × SKU-A at 10 USD on {@link ORDER_MON}, with `extra` over it. */
export function orderLine(extra: Partial<OrderLine> = {}): OrderLine {
  return {
    orderId: "o1",
    lineNo: 1,
    customerId: "c1",
    orderTs: ORDER_MON,
    sku: "SKU-A",
    quantity: 1,
    unitPrice: "10",
    currency: "USD",
    discount: "0",
    status: "placed",
    ...extra,
  };
}

/** A test event before landing. */
export interface TestEvent {
  messageId: string;
  type: EventType;
  event?: string;
  userId?: string;
  anonymousId?: string;
  ts: number;
  orderId?: string;
  /** Revenue of an `Order Completed` event, exact decimal text. */
  revenue?: string;
  properties?: Record<string, unknown>;
}

/** Lands events as ingest does: dedup on `messageId`, bronze write, backlog. Returns accepted. */
export async function landEvents(kv: Deno.Kv, events: TestEvent[]): Promise<number> {
  let accepted = 0;
  for (const t of events) {
    const person = t.userId ?? t.anonymousId!;
    const step = t.type === "track" && t.event ? funnelStepOf(t.event) : 0;
    const id = oldestFirstId();
    const ev: CleanEvent = {
      id,
      messageId: t.messageId,
      type: t.type,
      person,
      ts: t.ts,
      receivedAt: t.ts,
      step,
      historical: true,
      ...(t.event ? { event: t.event } : {}),
      ...(t.userId ? { userId: t.userId } : {}),
      ...(t.anonymousId ? { anonymousId: t.anonymousId } : {}),
      ...(step === 4 && t.orderId ? { orderId: t.orderId } : {}),
      ...(step === 4 && t.revenue ? { revenue: t.revenue } : {}),
      ...(t.properties ? { properties: t.properties } : {}),
    };
    const op = kv.atomic()
      .check({ key: metaEventDedup(t.messageId), versionstamp: null })
      .set(metaEventDedup(t.messageId), id, { expireIn: 30 * 86_400_000 })
      .set(bronzeEvent(shardOf(person), id), ev);
    addToCounter(op, metaBacklog("events"), 1);
    if ((await op.commit()).ok) accepted++;
  }
  return accepted;
}

/** An orders file: business date and its lines in row order. */
export interface TestOrdersFile {
  date: string;
  lines: OrderLine[];
}

/** An inventory workbook: the week's Monday and its rows in row order. */
export interface TestInventoryFile {
  week: string;
  rows: InventoryRow[];
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function nextSeq(kv: Deno.Kv): Promise<number> {
  for (;;) {
    const cur = await kv.get<number>(metaSequence("uploads"));
    const seq = (cur.value ?? 0) + 1;
    const res = await kv.atomic().check(cur).set(metaSequence("uploads"), seq).commit();
    if (res.ok) return seq;
  }
}

function baseUpload(
  id: string,
  source: "orders" | "inventory",
  seq: number,
  rows: number,
  sha: string,
): UploadRecord {
  return {
    id,
    source,
    seq,
    sha256: sha,
    receivedAt: Date.now(),
    receivedDay: dayOf(Date.now()),
    status: "classified",
    rows,
    accepted: rows,
    updates: 0,
    duplicates: 0,
    quarantined: 0,
    quarantinedByReason: {},
    warningsByField: {},
    unknownColumns: [],
    classifyCursor: rows,
    applyCursor: 0,
  };
}

async function stage(
  kv: Deno.Kv,
  upload: UploadRecord,
  staged: StagedRow[],
  source: "orders" | "inventory",
): Promise<string | null> {
  const hashKey = metaFileHash(source, upload.sha256!);
  if ((await kv.get(hashKey)).value !== null) return null;
  for (let i = 0; i < staged.length; i += 400) {
    const op = kv.atomic();
    staged.slice(i, i + 400).forEach((row, j) =>
      op.set(bronzeUploadRow(upload.id, i + j + 1), row)
    );
    await op.commit();
  }
  const valid = staged.filter((r) => r.kind !== "rejected").length;
  const op = kv.atomic()
    .check({ key: hashKey, versionstamp: null })
    .set(hashKey, upload.id)
    .set(bronzeUpload(upload.id), upload);
  addToCounter(op, metaBacklog(source), valid);
  return (await op.commit()).ok ? upload.id : null;
}

/**
 * Stages an orders file as a classified upload (every row a valid line, in
 * row order). A file with the same content as an earlier one is a duplicate
 * and changes nothing (`null`).
 */
export async function landOrdersFile(kv: Deno.Kv, file: TestOrdersFile): Promise<string | null> {
  const sha = await sha256(JSON.stringify(file));
  const seq = await nextSeq(kv);
  const upload = { ...baseUpload(oldestFirstId(), "orders", seq, file.lines.length, sha) };
  upload.date = file.date;
  const staged: StagedRow[] = file.lines.map((line, i) => ({
    kind: "line",
    line,
    version: { date: file.date, upload: seq, row: i + 1 },
    warnings: [],
    raw: "",
  }));
  return await stage(kv, upload, staged, "orders");
}

/** Stages an inventory workbook as a classified upload; a repeated file is `null`. */
export async function landInventoryFile(
  kv: Deno.Kv,
  file: TestInventoryFile,
): Promise<string | null> {
  const sha = await sha256(JSON.stringify(file));
  const seq = await nextSeq(kv);
  const upload = { ...baseUpload(oldestFirstId(), "inventory", seq, file.rows.length, sha) };
  upload.week = file.week;
  const staged: StagedRow[] = file.rows.map((row) => ({
    kind: "inventory",
    row,
    warnings: [],
    raw: "",
  }));
  return await stage(kv, upload, staged, "inventory");
}

/**
 * Every gold counter (zero values left out, since a counter that went up and
 * down again is equal to one never written), retention cell and view, as a
 * plain object for deep comparison.
 */
export async function dumpGold(kv: Deno.Kv): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const prefix of [goldCountersAll(), goldSkuCountersAll(), goldRetentionAll()]) {
    for await (const e of kv.list({ prefix })) {
      const v = counterValue(e.value);
      if (v !== 0) out[JSON.stringify(e.key)] = v;
    }
  }
  for await (const e of kv.list({ prefix: goldViewsAll() })) {
    out[JSON.stringify(e.key)] = e.value;
  }
  return out;
}

/** The value of one counter, signed. */
export async function counterAt(kv: Deno.Kv, key: Deno.KvKey): Promise<number> {
  return counterValue((await kv.get(key)).value);
}
