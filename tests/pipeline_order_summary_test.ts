import fc from "fast-check";
import { assertEquals } from "./assert.ts";
import { lineChange } from "../pipeline/silver/order_summary.ts";
import type { OrderDay, OrderLineSummary, OrderState } from "../pipeline/silver/order_types.ts";
import { bucketsOf } from "../pipeline/contracts/mod.ts";

/** The order's revenue buckets and (customer, bucket) pairs, and its lines per day, built whole. */
function sets(order: OrderState) {
  const buckets = new Set<string>();
  const pairs = new Set<string>();
  const days = new Map<string, OrderDay>();
  for (const l of Object.values(order.lines)) {
    const bs = bucketsOf(l.ts);
    const d = days.get(bs[0]) ?? { lines: 0, revenue_lines: 0 };
    d.lines++;
    if (l.revenue) d.revenue_lines++;
    days.set(bs[0], d);
    if (!l.revenue) continue;
    for (const b of bs) {
      buckets.add(b);
      pairs.add(`${l.customer}|${b}`);
    }
  }
  return { buckets, pairs, days };
}

/** What {@link lineChange} must give: the difference of the two states' sets, sorted. */
function expected(before: OrderState, after: OrderState) {
  const x = sets(before);
  const y = sets(after);
  const orders: [string, number][] = [];
  for (const b of new Set([...x.buckets, ...y.buckets])) {
    const d = Number(y.buckets.has(b)) - Number(x.buckets.has(b));
    if (d) orders.push([b, d]);
  }
  const customers: [string, string, number][] = [];
  for (const p of new Set([...x.pairs, ...y.pairs])) {
    const d = Number(y.pairs.has(p)) - Number(x.pairs.has(p));
    const [c, b] = p.split("|");
    if (d) customers.push([c, b, d]);
  }
  const days: [string, OrderDay | null][] = [];
  for (const day of new Set([...x.days.keys(), ...y.days.keys()])) {
    const a = x.days.get(day);
    const b = y.days.get(day);
    if (a?.lines === b?.lines && a?.revenue_lines === b?.revenue_lines) continue;
    days.push([day, b ?? null]);
  }
  return { orders: orders.sort(), customers: customers.sort(), days: days.sort() };
}

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 26);
const summaryArb: fc.Arbitrary<OrderLineSummary> = fc.record({
  // Days across a week, a month and a year boundary.
  ts: fc.constantFrom(0, 1, 6, 7, 35, 340, 341).map((d) => T0 + d * DAY + 3_600_000),
  customer: fc.constantFrom("c1", "c2"),
  revenue: fc.boolean(),
});

Deno.test("lineChange() gives the difference of the order's before and after sets", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom("1", "2", "3", "4"), summaryArb),
      fc.constantFrom("1", "2", "3", "4"),
      summaryArb,
      (lines, lineNo, next) => {
        const before: OrderState = { lines };
        const after: OrderState = { lines: { ...lines, [lineNo]: next } };
        const change = lineChange(before, lineNo, lines[lineNo], next);
        const got = change
          ? {
            orders: [...change.orders].sort(),
            customers: [...change.customers].sort(),
            days: [...change.days].sort(),
          }
          : { orders: [], customers: [], days: [] };
        assertEquals(got, expected(before, after));
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("lineChange() is null when the line keeps its day, customer and revenue flag", () => {
  const line = { ts: T0, customer: "c1", revenue: true };
  const before: OrderState = { lines: { "1": line } };
  assertEquals(lineChange(before, "1", line, { ...line, ts: T0 + 3_600_000 }), null);
  assertEquals(lineChange(before, "1", line, { ...line, ts: T0 + DAY })?.days, [
    ["2026-01-26", null],
    ["2026-01-27", { lines: 1, revenue_lines: 1 }],
  ]);
});
