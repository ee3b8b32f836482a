/**
 * expected.json against an independent reading of the files on disk: the
 * test parses the CSVs, NDJSON and workbooks itself (tests/generator_reading.ts),
 * applies latest-wins and the duplicate rules, and recomputes the figures.
 */
import { generate } from "../tasks/generate/mod.ts";
import { type ReadLine, readOrdersCsv } from "./generator_reading.ts";
import { readEventLine, readInventoryWorkbook } from "./generator_reading_events.ts";
import { assert, assertEquals } from "./assert.ts";

const END = "2026-11-24";
const RECEIVED = Date.parse("2026-11-25T01:00:00Z");
const DAY = 86_400_000;
const RATE4: Record<string, bigint> = { USD: 10_000n, EUR: 10_800n, GBP: 12_700n };

const dir = await Deno.makeTempDir({ prefix: "gen_expected_" });
addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const { expected } = await generate({
  seed: 11,
  days: 14,
  persons: 400,
  dirty: 0.08,
  out: dir,
  end: END,
});
const names: string[] = [];
for await (const e of Deno.readDir(dir)) names.push(e.name);
names.sort();

function dayOf(ms: number): string {
  return new Date(Math.floor(ms / DAY) * DAY).toISOString().slice(0, 10);
}

function valueCents(l: ReadLine): number {
  const n = (BigInt(l.quantity) * BigInt(l.price4) - BigInt(l.discount4)) * RATE4[l.currency] *
    100n;
  return Number((2n * n + 100_000_000n) / 200_000_000n);
}

async function sha(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].join(",");
}

// Orders: every file in name order (= business date, then the resend), latest wins.
const current = new Map<string, ReadLine>();
const fileQuality: Record<string, Record<string, unknown>> = {};
const resent: string[] = [];
const hashes = new Set<string>();
for (const name of names.filter((n) => n.startsWith("orders_"))) {
  const date = name.slice(7, 17);
  const bytes = await Deno.readFile(`${dir}/${name}`);
  const h = await sha(bytes);
  if (hashes.has(h)) {
    resent.push(date);
    continue;
  }
  hashes.add(h);
  const q = {
    received: 0,
    accepted: 0,
    quarantined: 0,
    duplicates: 0,
    updates: 0,
    by: {} as Record<string, number>,
    warn: {} as Record<string, number>,
  };
  for (const r of readOrdersCsv(new TextDecoder().decode(bytes), RECEIVED)) {
    q.received++;
    if (r.ok === null) {
      q.quarantined++;
      q.by[r.reason] = (q.by[r.reason] ?? 0) + 1;
      continue;
    }
    const key = `${r.ok.orderId}|${r.ok.lineNo}`;
    const prev = current.get(key);
    if (prev && JSON.stringify(prev) === JSON.stringify(r.ok)) {
      q.duplicates++;
      continue;
    }
    q.accepted++;
    if (prev) q.updates++;
    current.set(key, r.ok);
    for (const w of r.warnings) q.warn[w] = (q.warn[w] ?? 0) + 1;
  }
  fileQuality[date] = q;
}

// Events: file order, first messageId wins.
const seen = new Set<string>();
const evq = {
  received: 0,
  accepted: 0,
  quarantined: 0,
  duplicates: 0,
  by: {} as Record<string, number>,
};
const evDays = new Map<string, { events: number; persons: Set<string> }>();
const masks = new Map<string, number>();
const completed: { orderId: string; day: string }[] = [];
for (const line of (await Deno.readTextFile(`${dir}/events.ndjson`)).split("\n")) {
  if (line === "") continue;
  evq.received++;
  const r = readEventLine(line, RECEIVED);
  if (r.ok === null) {
    evq.quarantined++;
    evq.by[r.reason] = (evq.by[r.reason] ?? 0) + 1;
    continue;
  }
  if (seen.has(r.ok.messageId)) {
    evq.duplicates++;
    continue;
  }
  seen.add(r.ok.messageId);
  evq.accepted++;
  const day = dayOf(r.ok.ts);
  const d = evDays.get(day) ?? { events: 0, persons: new Set() };
  d.events++;
  d.persons.add(r.ok.person);
  evDays.set(day, d);
  masks.set(r.ok.person, (masks.get(r.ok.person) ?? 0) | (r.ok.step ? 1 << r.ok.step : 0));
  if (r.ok.step === 4 && r.ok.orderId) completed.push({ orderId: r.ok.orderId, day });
}

Deno.test("expected.json daily revenue, orders and units match the orders files read independently", () => {
  const byDay = new Map<string, { revenue: number; units: number; orders: Set<string> }>();
  for (const l of current.values()) {
    if (!["placed", "shipped", "delivered"].includes(l.status)) continue;
    const d = byDay.get(dayOf(l.orderTs)) ?? { revenue: 0, units: 0, orders: new Set() };
    d.revenue += valueCents(l);
    d.units += l.quantity;
    d.orders.add(l.orderId);
    byDay.set(dayOf(l.orderTs), d);
  }
  assertEquals(expected.daily.days.length, 14);
  let revenueSeen = 0;
  for (const row of expected.daily.days) {
    const d = byDay.get(row.date);
    const orders = d?.orders.size ?? 0;
    const aov = orders === 0 ? 0 : Math.floor((2 * d!.revenue + orders) / (2 * orders));
    assertEquals(
      [row.revenue_cents, row.orders, row.units, row.aov_cents],
      [d?.revenue ?? 0, orders, d?.units ?? 0, aov],
      `Day "${row.date}"`,
    );
    revenueSeen += row.revenue_cents;
  }
  assert(revenueSeen > 0, "No revenue at all");
});

Deno.test("expected.json order totals of 'all' match the orders files read independently", () => {
  let refunded = 0, cancelled = 0;
  const customers = new Map<string, Set<string>>();
  for (const l of current.values()) {
    if (l.status === "refunded") refunded += valueCents(l);
    if (l.status === "cancelled") cancelled++;
    if (["placed", "shipped", "delivered"].includes(l.status)) {
      const s = customers.get(l.customerId) ?? new Set();
      s.add(l.orderId);
      customers.set(l.customerId, s);
    }
  }
  const all = expected.orders.all;
  const repeat = [...customers.values()].filter((s) => s.size >= 2).length;
  assertEquals(
    [all.refunded_cents, all.cancelled_lines, all.customers, all.repeat_customers],
    [refunded, cancelled, customers.size, repeat],
  );
  assert(refunded > 0 && cancelled > 0, "The dataset has no refunds or no cancellations");
});

Deno.test("expected.json quality of every orders file matches an independent reading", () => {
  const got = expected.quality.orders;
  assertEquals(Object.keys(got).sort(), Object.keys(fileQuality).sort());
  for (const [date, q] of Object.entries(fileQuality)) {
    const e = got[date];
    assertEquals(
      {
        received: e.received,
        accepted: e.accepted,
        quarantined: e.quarantined,
        duplicates: e.duplicates,
        updates: e.updates,
        by: e.quarantined_by_reason,
        warn: e.warnings_by_field,
      },
      q,
      `Orders file of "${date}"`,
    );
    assertEquals(e.received, e.accepted + e.quarantined + e.duplicates);
    assertEquals(e.duplicate_file, resent.includes(date), `duplicate_file of "${date}"`);
  }
  assertEquals(resent.length, 1);
});

Deno.test("expected.json event figures match events.ndjson read independently", () => {
  const q = expected.quality.events;
  assertEquals(
    {
      received: q.received,
      accepted: q.accepted,
      quarantined: q.quarantined,
      duplicates: q.duplicates,
      by: q.quarantined_by_reason,
    },
    evq,
  );
  for (const row of expected.daily.days) {
    const d = evDays.get(row.date);
    assertEquals(
      [row.events, row.persons],
      [d?.events ?? 0, d?.persons.size ?? 0],
      `Day "${row.date}"`,
    );
  }
  const reached = [0, 0, 0, 0];
  let cart = 0, abandoned = 0;
  for (const m of masks.values()) {
    for (let k = 1; k <= 4 && (m & (1 << k)); k++) reached[k - 1]++;
    if (m & 4) {
      cart++;
      if (!(m & 16)) abandoned++;
    }
  }
  const all = expected.events.all;
  assertEquals([all.funnel.reached, all.cart_persons, all.cart_abandoned_persons, all.persons], [
    reached,
    cart,
    abandoned,
    masks.size,
  ]);
});

Deno.test("every Order Completed event has its order except the counted missing share", () => {
  const fileOrders = new Map<string, string>();
  for (const l of current.values()) fileOrders.set(l.orderId, dayOf(l.orderTs));
  const eventOrders = new Set(completed.map((c) => c.orderId));
  const ordersWithout = new Map<string, number>();
  for (const [id, day] of fileOrders) {
    if (!eventOrders.has(id)) ordersWithout.set(day, (ordersWithout.get(day) ?? 0) + 1);
  }
  const eventsWithout = new Map<string, number>();
  for (const c of completed) {
    if (!fileOrders.has(c.orderId)) eventsWithout.set(c.day, (eventsWithout.get(c.day) ?? 0) + 1);
  }
  let missingOrders = 0, missingEvents = 0;
  for (const row of expected.cross_source) {
    assertEquals(
      [row.orders_without_event, row.events_without_order],
      [ordersWithout.get(row.date) ?? 0, eventsWithout.get(row.date) ?? 0],
      `Cross-source checks of "${row.date}"`,
    );
    missingOrders += row.orders_without_event;
    missingEvents += row.events_without_order;
  }
  assert(missingOrders > 0 && missingEvents > 0, "No missing share on one side");
  assert(
    missingOrders < fileOrders.size * 0.15,
    `${missingOrders} of ${fileOrders.size} orders lack an event`,
  );
  assert(
    missingEvents < eventOrders.size * 0.05,
    `${missingEvents} of ${eventOrders.size} events lack an order`,
  );
});

Deno.test("expected.json inventory figures match the workbooks read independently", async () => {
  const books = names.filter((n) => n.startsWith("inventory_"));
  assertEquals(Object.keys(expected.inventory), books.map((n) => n.slice(10, 20)));
  for (const name of books) {
    const week = name.slice(10, 20);
    const rows = new Map<string, { onHand: number; reorderPoint: number; sku: string }>();
    let quarantined = 0, duplicates = 0, received = 0;
    for (const r of readInventoryWorkbook(await Deno.readFile(`${dir}/${name}`))) {
      received++;
      if (r.ok === null) {
        quarantined++;
        continue;
      }
      const key = `${r.ok.sku}|${r.ok.warehouse}`;
      if (rows.has(key)) duplicates++;
      rows.set(key, r.ok);
    }
    const v = [...rows.values()];
    const e = expected.inventory[week];
    assertEquals(
      [e.rows, e.skus, e.on_hand_units, e.stockout_rows, e.low_stock_rows],
      [
        v.length,
        new Set(v.map((r) => r.sku)).size,
        v.reduce((s, r) => s + r.onHand, 0),
        v.filter((r) => r.onHand === 0).length,
        v.filter((r) => r.onHand > 0 && r.onHand <= r.reorderPoint).length,
      ],
      `Inventory of "${week}"`,
    );
    const q = expected.quality.inventory[week];
    assertEquals([q.received, q.quarantined, q.duplicates, q.accepted], [
      received,
      quarantined,
      duplicates,
      v.length,
    ]);
  }
});

Deno.test("expected.json buckets are consistent with their definitions", () => {
  for (const [bucket, o] of Object.entries(expected.orders)) {
    assertEquals(o.bucket, bucket);
    assertEquals(o.categories.reduce((s, c) => s + c.revenue_cents, 0), o.revenue_cents, bucket);
    assertEquals(o.categories.reduce((s, c) => s + c.units, 0), o.units, bucket);
    assert(o.top_products.length <= 10, bucket);
    for (let i = 1; i < o.top_products.length; i++) {
      const a = o.top_products[i - 1], b = o.top_products[i];
      assert(
        a.revenue_cents > b.revenue_cents || (a.revenue_cents === b.revenue_cents && a.sku < b.sku),
        `${bucket} top products order`,
      );
    }
    const aov = o.orders === 0 ? 0 : Math.floor((2 * o.revenue_cents + o.orders) / (2 * o.orders));
    assertEquals(o.aov_cents, aov, bucket);
  }
  const days = expected.daily.days;
  assertEquals(expected.orders.all.revenue_cents, days.reduce((s, d) => s + d.revenue_cents, 0));
  assertEquals(expected.events.all.events, days.reduce((s, d) => s + d.events, 0));
  const cohorts = expected.retention.cohorts;
  assertEquals(cohorts.reduce((s, c) => s + c.active[0], 0), expected.events.all.persons);
  for (const c of cohorts) assert(c.active.every((n) => n <= c.active[0]), c.cohort);
  assertEquals(cohorts.at(-1)!.active.length, 1);
  assert(
    expected.orders.all.categories.some((c) => c.category === "unknown"),
    "No unknown-SKU revenue",
  );
});
