/**
 * Random small datasets for the pipeline property and fault tests
 * (fast-check arbitraries and a seeded plain generator).
 *
 * @module
 */

import fc from "fast-check";
import type { InventoryRow, OrderLine, OrderStatus } from "../pipeline/contracts/types.ts";
import type { TestEvent, TestInventoryFile, TestOrdersFile } from "./pipeline_fixtures.ts";

/** Monday 2026-11-02, the start of every generated dataset. */
export const T0 = Date.UTC(2026, 10, 2);
const DAY = 86_400_000;
/** Days a generated dataset spans. */
export const SPAN_DAYS = 42;

/** A generated dataset, in a first upload order. */
export interface Dataset {
  events: TestEvent[];
  orders: TestOrdersFile[];
  inventory: TestInventoryFile[];
}

/** The FX table of the tests. */
export const FX = { USD: "1", EUR: "1.08", GBP: "1.27" };

const STATUSES: OrderStatus[] = ["placed", "shipped", "delivered", "cancelled", "refunded"];
const NAMES = ["track", "track", "track", "page", "identify"] as const;
const EVENT_NAMES = [
  "Product Viewed",
  "product added",
  "Checkout Started",
  "Order Completed",
  "Clicked",
];
const PRICES = ["0", "1.5", "19.99", "100", "0.005"];
const CATEGORIES = ["Home", "home", "Garden", "GARDEN", "Toys"];

function dayText(i: number): string {
  return new Date(T0 + i * DAY).toISOString().slice(0, 10);
}

const eventArb = fc.record({
  n: fc.integer({ min: 0, max: 1_000_000 }),
  person: fc.integer({ min: 0, max: 7 }),
  anon: fc.boolean(),
  kind: fc.integer({ min: 0, max: NAMES.length - 1 }),
  name: fc.integer({ min: 0, max: EVENT_NAMES.length - 1 }),
  ts: fc.integer({ min: 0, max: SPAN_DAYS * DAY - 1 }),
  order: fc.integer({ min: 0, max: 6 }),
});

const lineArb = fc.record({
  order: fc.integer({ min: 0, max: 6 }),
  // Mostly small line numbers; some past line 32, in an order's further blocks.
  lineNo: fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(32, 33, 70) },
  ),
  customer: fc.integer({ min: 0, max: 4 }),
  ts: fc.integer({ min: 0, max: SPAN_DAYS * DAY - 1 }),
  sku: fc.integer({ min: 0, max: 6 }),
  quantity: fc.integer({ min: 1, max: 5 }),
  price: fc.integer({ min: 0, max: PRICES.length - 1 }),
  currency: fc.constantFrom("USD", "EUR", "GBP"),
  discounted: fc.boolean(),
  status: fc.integer({ min: 0, max: STATUSES.length - 1 }),
});

const rowArb = fc.record({
  sku: fc.integer({ min: 0, max: 5 }),
  warehouse: fc.integer({ min: 0, max: 1 }),
  name: fc.constantFrom("Alpha", "Beta"),
  category: fc.integer({ min: 0, max: CATEGORIES.length - 1 }),
  onHand: fc.integer({ min: 0, max: 40 }),
  reorderPoint: fc.integer({ min: 0, max: 10 }),
  cost: fc.option(fc.constantFrom("2.5", "0.125", "10"), { nil: undefined }),
});

/** The arbitrary of small datasets: events, orders files on distinct dates, one workbook per week. */
export const datasetArb: fc.Arbitrary<Dataset> = fc.record({
  events: fc.array(eventArb, { maxLength: 40 }),
  orderDays: fc.uniqueArray(fc.integer({ min: 0, max: SPAN_DAYS - 1 }), { maxLength: 4 }),
  lines: fc.array(fc.array(lineArb, { minLength: 1, maxLength: 8 }), {
    minLength: 4,
    maxLength: 4,
  }),
  weeks: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
  rows: fc.array(fc.array(rowArb, { minLength: 1, maxLength: 8 }), { minLength: 3, maxLength: 3 }),
}).map((r) => ({
  events: r.events.map((e, i): TestEvent => {
    const type = NAMES[e.kind];
    const person = `p${e.person}`;
    return {
      messageId: `m${i}-${e.n}`,
      type,
      ...(type === "track" ? { event: EVENT_NAMES[e.name] } : {}),
      ...(e.anon ? { anonymousId: person } : { userId: person }),
      ts: T0 + e.ts,
      ...(type === "track" && e.name === 3 ? { orderId: `o${e.order}` } : {}),
    };
  }),
  orders: r.orderDays.map((d, i): TestOrdersFile => ({
    date: dayText(d),
    lines: r.lines[i].map((l): OrderLine => {
      const price = PRICES[l.price];
      return {
        orderId: `o${l.order}`,
        lineNo: l.lineNo,
        customerId: `c${l.customer}`,
        orderTs: T0 + l.ts,
        sku: l.sku === 6 ? "UNSEEN-1" : `SKU-${l.sku}`,
        quantity: l.quantity,
        unitPrice: price,
        currency: l.currency,
        discount: l.discounted && price !== "0" && price !== "0.005" ? "0.5" : "0",
        status: STATUSES[l.status],
      };
    }),
  })),
  inventory: r.weeks.map((w, i): TestInventoryFile => ({
    week: dayText(w * 7),
    rows: r.rows[i].map((x): InventoryRow => ({
      sku: `SKU-${x.sku}`,
      productName: `${x.name} ${x.sku}`,
      category: CATEGORIES[x.category],
      warehouse: `W${x.warehouse}`,
      onHand: x.onHand,
      reorderPoint: x.reorderPoint,
      ...(x.cost ? { unitCost: x.cost } : {}),
    })),
  })),
}));

/** Deterministic shuffle with a seed (Mulberry32). */
export function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A fixed, larger dataset (for fault and multi-process tests), from a seed. */
export function seededDataset(seed: number, size = 1): Dataset {
  return mergeSamples(seed, size);
}

function mergeSamples(seed: number, size: number): Dataset {
  const samples = fc.sample(datasetArb, { seed, numRuns: size });
  const out: Dataset = { events: [], orders: [], inventory: [] };
  const usedDays = new Set<string>();
  const usedWeeks = new Set<string>();
  samples.forEach((s, k) => {
    for (const e of s.events) {
      out.events.push({
        ...e,
        messageId: `${k}-${e.messageId}`,
        ...(e.userId ? { userId: `${e.userId}-${k % 5}` } : {}),
      });
    }
    for (const f of s.orders) {
      if (usedDays.has(f.date)) continue;
      usedDays.add(f.date);
      out.orders.push({
        ...f,
        lines: f.lines.map((l) => ({ ...l, orderId: `${l.orderId}-${k}` })),
      });
    }
    for (const f of s.inventory) {
      if (usedWeeks.has(f.week)) continue;
      usedWeeks.add(f.week);
      out.inventory.push(f);
    }
  });
  return out;
}
