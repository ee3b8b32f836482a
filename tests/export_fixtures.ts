/**
 * Fixture records for the export tests, in the shapes the producers document
 * (pipeline/contracts/types.ts, pipeline/read/types.ts), written straight to
 * the KV prefixes the export tables read.
 *
 * @module
 */

import {
  goldAlert,
  goldCounter,
  goldQuality,
  goldView,
  quarantineRecord,
  silverCatalog,
  silverEventBlock,
  silverInventoryRow,
  silverOrderBlock,
} from "../kv/keys.ts";
import fc from "fast-check";
import { addToCounter } from "../kv/counters.ts";
import { type Cell, type Column, type ColumnType, field } from "../pipeline/export/mod.ts";
import type {
  CleanEvent,
  InventoryRow,
  LineVersion,
  OrderLine,
  QuarantineRecord,
} from "../pipeline/contracts/types.ts";
import type { Alert, OrderKpis } from "../pipeline/read/types.ts";

/**
 * A current order line as pipeline/silver/orders.ts stores it (`SilverLine`):
 * the line, its version, and its value in cents. The pipeline writes `cents`
 * as a number; the fixtures also use a bigint and integer text, which the
 * export reads the same way.
 */
export interface StoredLine {
  line: OrderLine;
  version: LineVersion;
  cents: number | bigint | string;
}

/** A snapshot row as pipeline/silver/inventory.ts stores it: the row, its upload and row. */
export type StoredInventoryRow = InventoryRow & { upload: string; row: number };

const T0 = Date.UTC(2026, 10, 25, 9, 30, 15, 123);

/** Order lines covering unicode, CSV-hostile text, nulls and big cents in three representations. */
export const ORDER_LINES: StoredLine[] = [
  {
    line: {
      orderId: "o-1001",
      lineNo: 1,
      customerId: "c-ünïcødé-😀",
      orderTs: T0,
      sku: "SKU-1",
      quantity: 3,
      unitPrice: "12.5",
      currency: "EUR",
      discount: "0",
      status: "placed",
      country: "DE",
      channel: "web",
    },
    version: { date: "2026-11-25", upload: 7, row: 1 },
    cents: 4050,
  },
  {
    line: {
      orderId: "o-1001",
      lineNo: 2,
      customerId: '=HYPERLINK("http://evil","x")',
      orderTs: T0 + 1,
      sku: 'SKU,2 "quoted"\nnext line',
      quantity: 1,
      unitPrice: "-3.25",
      currency: "USD",
      discount: "1.5",
      status: "refunded",
    },
    version: { date: "2026-11-25", upload: 7, row: 2 },
    cents: 9_007_199_254_740_993n,
  },
  {
    line: {
      orderId: "o-1002",
      lineNo: 1,
      customerId: "+cmd|' /C calc'!A0",
      orderTs: Date.UTC(1999, 0, 1),
      sku: "@SUM(1+1)",
      quantity: 2147483647,
      unitPrice: "99999999999999.9999",
      currency: "GBP",
      discount: "0",
      status: "cancelled",
      country: "GB",
      channel: "marketplace",
    },
    version: { date: "2026-11-26", upload: 2_000_000_000_123, row: 3 },
    cents: "-922337203685477580",
  },
];

/** Events with nested properties, booleans set, unset and absent. */
export const EVENTS: CleanEvent[] = [
  {
    id: "0000000001aaaa",
    messageId: "m-1",
    type: "track",
    event: "Order Completed",
    userId: "u-1",
    person: "u-1",
    ts: T0,
    receivedAt: T0 + 500,
    step: 4,
    orderId: "o-1001",
    revenue: "40.5",
    properties: {
      order_id: "o-1001",
      revenue: 40.5,
      note: "naïve – “quoted”",
      nested: { a: [1, 2] },
    },
    context: { ip: "127.0.0.1" },
    historical: true,
  },
  {
    id: "0000000002bbbb",
    messageId: "m-2",
    type: "page",
    anonymousId: "anon-\t-tab",
    person: "anon-\t-tab",
    ts: T0 + 1000,
    receivedAt: T0 + 1500,
    step: 0,
    historical: false,
  },
  {
    id: "0000000003cccc",
    messageId: "m-3",
    type: "identify",
    userId: "-u-3",
    person: "-u-3",
    ts: T0 + 2000,
    receivedAt: T0 + 2500,
    step: 0,
    traits: { email: "x@example.com" },
  },
];

/** Inventory rows of two weeks. */
export const INVENTORY: { week: string; row: StoredInventoryRow }[] = [
  {
    week: "2026-11-16",
    row: {
      sku: "SKU-1",
      productName: "Café crème",
      category: "Drinks",
      warehouse: "BER",
      onHand: 10,
      reorderPoint: 5,
      upload: "up-1",
      row: 2,
      unitCost: "1.25",
    },
  },
  {
    week: "2026-11-23",
    row: {
      sku: "SKU-1",
      productName: "Café crème",
      category: "Drinks",
      warehouse: "BER",
      onHand: 0,
      reorderPoint: 5,
      upload: "up-2",
      row: 3,
    },
  },
  {
    week: "2026-11-23",
    row: {
      sku: "SKU-2",
      productName: "=1+1",
      category: "Tools",
      warehouse: "LON",
      onHand: 7,
      reorderPoint: 2,
      upload: "up-3",
      row: 4,
      unitCost: "3",
    },
  },
];

/** Alerts (as pipeline/monitoring stores them, with a message) with null baseline and score. */
export const ALERTS: (Alert & { message: string })[] = [
  {
    id: "a-2",
    kind: "freshness",
    metric: "orders_late",
    source: "orders",
    day: "2026-11-25",
    value: 1,
    baseline: null,
    score: null,
    direction: "up",
    raised_at: "2026-11-26T06:00:00.000Z",
    message: 'No orders file for "2026-11-25"',
  },
  {
    id: "a-1",
    kind: "anomaly",
    metric: "revenue_cents",
    source: null,
    day: "2026-11-24",
    value: 12345.5,
    baseline: 20000.25,
    score: -4.75,
    direction: "down",
    raised_at: "2026-11-25T00:05:00.000Z",
    message: "=revenue dropped",
  },
];

/** Quarantined records. */
export const QUARANTINE: QuarantineRecord[] = [
  {
    id: "q-1",
    source: "orders",
    reason: "invalid_value",
    field: "quantity",
    message: 'Quantity "-2" is negative',
    raw: 'o-9,1,c-1,2026-11-25T10:00:00Z,SKU-1,-2,"1,50",EUR',
    requestId: "up-1",
    position: 4,
    receivedAt: T0,
    date: "2026-11-25",
  },
  {
    id: "q-2",
    source: "events",
    reason: "malformed",
    message: "Body is not JSON",
    raw: "@{not json",
    requestId: "req-2",
    position: 0,
    receivedAt: T0 + 10,
    historical: true,
    replayedAs: "0000000009zzzz",
  },
];

/** An orders view. */
export const ORDERS_VIEW: OrderKpis = {
  bucket: "2026-11-25",
  revenue_cents: 4050,
  orders: 1,
  units: 3,
  aov_cents: 4050,
  customers: 1,
  repeat_customers: 0,
  refunded_cents: 325,
  cancelled_lines: 1,
  top_products: [{ sku: "SKU-1", revenue_cents: 4050, units: 3, name: "Café", category: "Drinks" }],
  categories: [{ category: "Drinks", revenue_cents: 4050, units: 3 }],
};

/** Writes every fixture above to its KV prefix. */
export async function seedFixtures(kv: Deno.Kv): Promise<void> {
  const op = kv.atomic();
  const blocks = new Map<string, Record<string, StoredLine>>();
  for (const l of ORDER_LINES) {
    blocks.set(l.line.orderId, { ...blocks.get(l.line.orderId), [l.line.lineNo]: l });
  }
  for (const [orderId, lines] of blocks) op.set(silverOrderBlock(orderId, 0), { lines });
  op.set(silverEventBlock(0, EVENTS[EVENTS.length - 1].id), { events: EVENTS });
  for (const { week, row } of INVENTORY) {
    op.set(silverInventoryRow(week, row.sku, row.warehouse), row);
  }
  op.set(silverCatalog("SKU-1"), { name: "Café crème", category: "Drinks", week: "2026-11-23" });
  for (const a of ALERTS) op.set(goldAlert(a.id), a);
  for (const q of QUARANTINE) op.set(quarantineRecord(q.id), q);
  op.set(goldView("orders", ORDERS_VIEW.bucket), ORDERS_VIEW);
  addToCounter(op, goldQuality("orders", "2026-11-24", "received"), 5);
  addToCounter(op, goldQuality("orders", "2026-11-25", "received"), 7);
  addToCounter(op, goldQuality("orders", "2026-11-25", "quarantined"), 2);
  addToCounter(op, goldQuality("events", "2026-11-26", "received"), 3);
  addToCounter(op, goldCounter("revenue_cents", "2026-11-25"), -325);
  const res = await op.commit();
  if (!res.ok) throw new Error("Fixture commit failed");
}

/** Reads a whole byte stream, returning the chunks as they came. */
export async function chunksOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Concatenates chunks. */
export function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** One column of every export column type, read from the row by position. */
export const ALL_TYPE_COLUMNS: Column[] = ([
  "string",
  "decimal",
  "int32",
  "int64",
  "double",
  "boolean",
  "timestamp",
  "date",
  "json",
] as ColumnType[]).map((t) => ({ name: `c_${t}`, type: t, get: field(t) }));

/**
 * Random rows for {@link ALL_TYPE_COLUMNS}, any cell possibly null; `text`
 * draws the strings (formats differ in which strings they must survive).
 */
export function allTypeRows(
  { text = fc.string(), maxRows = 5 }: { text?: fc.Arbitrary<string>; maxRows?: number } = {},
): fc.Arbitrary<Cell[][]> {
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
  const row = fc.tuple(
    maybe(text),
    maybe(
      fc.tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.nat(9999))
        .map(([i, f]) => `${i}.${f}`),
    ),
    maybe(fc.integer()),
    maybe(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
    maybe(fc.double({ noNaN: true, noDefaultInfinity: true })),
    maybe(fc.boolean()),
    maybe(fc.integer({ min: -8.64e15, max: 8.64e15 })),
    maybe(
      fc.integer({ min: 0, max: 2_932_896 }).map((d) =>
        new Date(d * 86_400_000).toISOString().slice(0, 10)
      ),
    ),
    maybe(fc.jsonValue().filter((v) => v !== null)),
  );
  return fc.array(row as fc.Arbitrary<Cell[]>, { maxLength: maxRows });
}
