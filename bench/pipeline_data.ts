/**
 * Synthetic bronze data for the pipeline benchmark: landed straight into KV
 * the way ingest leaves it (bronze events, classified uploads with staged
 * rows, backlog counters), in large commits so that landing is not measured.
 *
 * @module
 */

import { addToCounter } from "../kv/counters.ts";
import { oldestFirstId, shardOf } from "../kv/ids.ts";
import {
  bronzeEvent,
  bronzeUpload,
  bronzeUploadRow,
  metaBacklog,
  metaSequence,
} from "../kv/keys.ts";
import type { CleanEvent, InventoryRow, OrderLine } from "../pipeline/contracts/types.ts";
import type { StagedRow, UploadRecord } from "../pipeline/ingest/upload_types.ts";

const DAY = 86_400_000;
/** First day of every benchmark dataset (a Monday). */
export const BENCH_T0 = Date.UTC(2026, 0, 5);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}

const STEPS = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"];

/** Events of one day: sessions of random persons walking down the funnel, plus page views. */
export function dayEvents(day: number, count: number, persons: number, seed = day): CleanEvent[] {
  const r = rng(seed * 7919 + 1);
  const out: CleanEvent[] = [];
  const start = BENCH_T0 + day * DAY;
  while (out.length < count) {
    const person = `person-${Math.floor(r() * persons)}`;
    let ts = start + Math.floor(r() * (DAY - 3_600_000));
    const depth = Math.floor(r() * 5);
    for (let s = 0; s <= depth && out.length < count; s++) {
      ts += 30_000;
      const page = s === 0;
      const id = oldestFirstId();
      out.push({
        id,
        messageId: id,
        type: page ? "page" : "track",
        ...(page ? {} : { event: STEPS[s - 1] }),
        userId: person,
        person,
        ts,
        receivedAt: ts,
        step: page ? 0 : (s as 1 | 2 | 3 | 4),
        ...(s === 4 ? { orderId: `o-${day}-${out.length}` } : {}),
        properties: page ? { path: "/products" } : { sku: `SKU-${s}`, price: 19.99 },
      });
    }
  }
  return out;
}

/** Order lines of one day's file. */
export function dayLines(day: number, count: number, customers: number, skus: number): OrderLine[] {
  const r = rng(day * 104729 + 3);
  const lines: OrderLine[] = [];
  const statuses = [
    "placed",
    "shipped",
    "delivered",
    "delivered",
    "refunded",
    "cancelled",
  ] as const;
  let order = 0;
  while (lines.length < count) {
    const n = 1 + Math.floor(r() * 3);
    const customer = `c-${Math.floor(r() * customers)}`;
    const ts = BENCH_T0 + day * DAY + Math.floor(r() * DAY);
    for (let i = 1; i <= n && lines.length < count; i++) {
      lines.push({
        orderId: `o-${day}-${order}`,
        lineNo: i,
        customerId: customer,
        orderTs: ts,
        sku: `SKU-${Math.floor(r() * skus)}`,
        quantity: 1 + Math.floor(r() * 4),
        unitPrice: (1 + Math.floor(r() * 9999) / 100).toFixed(2),
        currency: r() < 0.8 ? "USD" : "EUR",
        discount: "0",
        status: statuses[Math.floor(r() * statuses.length)],
      });
    }
    order++;
  }
  return lines;
}

/** Inventory rows of a weekly snapshot. */
export function weekRows(skus: number, warehouses = 2): InventoryRow[] {
  const r = rng(skus);
  const rows: InventoryRow[] = [];
  for (let s = 0; s < skus; s++) {
    for (let w = 0; w < warehouses; w++) {
      rows.push({
        sku: `SKU-${s}`,
        productName: `Product ${s}`,
        category: `Category ${s % 12}`,
        warehouse: `WH-${w}`,
        onHand: Math.floor(r() * 60),
        reorderPoint: 10,
        unitCost: "4.25",
      });
    }
  }
  return rows;
}

/** Lands events in bronze (with the events backlog), 400 per commit. */
export async function landBronzeEvents(kv: Deno.Kv, events: CleanEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 400) {
    const op = kv.atomic();
    const chunk = events.slice(i, i + 400);
    for (const e of chunk) op.set(bronzeEvent(shardOf(e.person), e.id), e);
    addToCounter(op, metaBacklog("events"), chunk.length);
    await op.commit();
  }
}

let seq = 0;

/** Stages a classified upload of lines (orders) or rows (inventory). */
export async function landUpload(
  kv: Deno.Kv,
  upload: { source: "orders"; date: string; lines: OrderLine[] } | {
    source: "inventory";
    week: string;
    rows: InventoryRow[];
  },
): Promise<void> {
  const s = Number((await kv.get<number>(metaSequence("uploads"))).value ?? seq) + 1;
  seq = s;
  const id = oldestFirstId();
  const staged: StagedRow[] = upload.source === "orders"
    ? upload.lines.map((line, i) => ({
      kind: "line",
      line,
      version: { date: upload.date, upload: s, row: i + 1 },
      warnings: [],
      raw: "",
    }))
    : upload.rows.map((row) => ({ kind: "inventory", row, warnings: [], raw: "" }));
  for (let i = 0; i < staged.length; i += 500) {
    const op = kv.atomic();
    staged.slice(i, i + 500).forEach((r, j) => op.set(bronzeUploadRow(id, i + j + 1), r));
    await op.commit();
  }
  const record: UploadRecord = {
    id,
    source: upload.source,
    seq: s,
    ...(upload.source === "orders" ? { date: upload.date } : { week: upload.week }),
    receivedAt: Date.now(),
    receivedDay: new Date().toISOString().slice(0, 10),
    status: "classified",
    rows: staged.length,
    accepted: staged.length,
    updates: 0,
    duplicates: 0,
    quarantined: 0,
    quarantinedByReason: {},
    warningsByField: {},
    unknownColumns: [],
    classifyCursor: staged.length,
    applyCursor: 0,
  };
  const op = kv.atomic().set(bronzeUpload(id), record).set(metaSequence("uploads"), s);
  addToCounter(op, metaBacklog(upload.source), staged.length);
  await op.commit();
}

/** `YYYY-MM-DD` of benchmark day `day`. */
export function benchDay(day: number): string {
  return new Date(BENCH_T0 + day * DAY).toISOString().slice(0, 10);
}
