import { addToCounter } from "../kv/counters.ts";
import { goldQuality, goldView } from "../kv/keys.ts";
import { testConfig } from "../config.ts";
import { addDays, daysInRange, dayStartMs, weekdayOf } from "../pipeline/contracts/buckets.ts";
import { VIEW } from "../pipeline/gold/metrics.ts";
import type { DailyRow } from "../pipeline/read/types.ts";
import { detectAnomalies, lastSettledDay } from "../pipeline/monitoring/anomalies.ts";
import { readAlerts } from "../pipeline/monitoring/alerts.ts";
import { listOutbox } from "../pipeline/monitoring/delivery.ts";
import { assert, assertEquals } from "./assert.ts";

/**
 * Ordinary variation: every weekday's figure moves through a four-week cycle
 * of offsets (in units of the series' spread), with a phase per series, seed
 * and weekday, so each baseline of four or more consecutive weeks holds a
 * whole cycle. Independent random noise is not used: with 4–8 baseline values
 * the spec's median/MAD test flags 5–14 % of purely random days
 * (docs/monitoring.md), which would test the statistics, not this code.
 */
const CYCLE = [1, -0.5, -1, 0.5];

const FIRST = "2026-09-14"; // a Monday; 10 weeks to 2026-11-22
const LAST = "2026-11-22";
const DAYS = daysInRange(FIRST, LAST);

function wobble(seed: number, series: number, day: string, spread: number): number {
  const week = Math.floor((dayStartMs(day) - dayStartMs(FIRST)) / (7 * 86_400_000));
  const phase = seed * 7 + series * 3 + weekdayOf(day) * (seed + series);
  return 1 + spread * CYCLE[(week + phase) % CYCLE.length];
}

interface Injected {
  revenueCollapse?: string;
  eventsSpike?: string;
  quarantineJump?: string;
}

/** Ten weeks of a shop with a weekly rhythm (weekends busier), ordinary variation, optional anomalies. */
async function writeDataset(kv: Deno.Kv, seed: number, injected: Injected = {}): Promise<void> {
  const weekly = [1, 0.95, 0.9, 0.95, 1.05, 1.3, 1.25];
  for (const day of DAYS) {
    const w = weekly[weekdayOf(day) - 1];
    const orders = Math.round(200 * w * wobble(seed, 0, day, 0.05));
    let revenue = Math.round(orders * 5400 * wobble(seed, 1, day, 0.04));
    if (day === injected.revenueCollapse) revenue = Math.round(revenue * 0.25);
    const persons = Math.round(1500 * w * wobble(seed, 2, day, 0.05));
    let events = Math.round(persons * 6.2 * wobble(seed, 3, day, 0.04));
    if (day === injected.eventsSpike) events *= 4;
    const row: DailyRow = {
      date: day,
      revenue_cents: revenue,
      orders,
      units: orders * 2,
      aov_cents: Math.round(revenue / orders),
      events,
      persons,
    };
    await kv.set(goldView(VIEW.daily, day), row);
    const op = kv.atomic();
    const q = (source: "events" | "orders", metric: string, n: number) =>
      addToCounter(op, goldQuality(source, day, metric), n);
    const received = Math.round(events * 1.01);
    const evQuarantined = Math.round(received * 0.006 * wobble(seed, 4, day, 0.2));
    q("events", "received", received);
    q("events", "quarantined", evQuarantined);
    q("events", "accepted", received - evQuarantined);
    const rows = Math.round(orders * 18);
    const rate = day === injected.quarantineJump ? 0.3 : 0.02 * wobble(seed, 5, day, 0.2);
    const ordQuarantined = Math.round(rows * rate);
    q("orders", "received", rows);
    q("orders", "quarantined", ordQuarantined);
    q("orders", "accepted", rows - ordQuarantined);
    await op.commit();
  }
}

/** A time at which every day of the dataset is settled (07:00 the day after the last). */
const SETTLED_NOW = dayStartMs(addDays(LAST, 1)) + 7 * 3_600_000;

Deno.test("lastSettledDay() waits for the orders due time of the next day", () => {
  const config = testConfig();
  assertEquals(
    lastSettledDay(config, dayStartMs("2026-11-23") + 5 * 3_600_000, null),
    "2026-11-21",
  );
  assertEquals(
    lastSettledDay(config, dayStartMs("2026-11-23") + 6 * 3_600_000, null),
    "2026-11-22",
  );
  // A pending record received before 2026-11-23 06:00 holds 2026-11-22 back.
  const pending = dayStartMs("2026-11-23") + 5 * 3_600_000;
  assertEquals(lastSettledDay(config, dayStartMs("2026-11-24"), pending), "2026-11-21");
});

for (const seed of [1, 2, 3, 4]) {
  Deno.test(`detectAnomalies() raises nothing on ten normal weeks (seed ${seed})`, async () => {
    using kv = await Deno.openKv(":memory:");
    await writeDataset(kv, seed);
    const outcome = await detectAnomalies(kv, testConfig(), { now: SETTLED_NOW });
    assertEquals(outcome.to, LAST);
    assertEquals(outcome.raised.map((a) => `${a.metric} ${a.source} ${a.day} ${a.score}`), []);
  });
}

Deno.test("detectAnomalies() alerts a revenue collapse, an events spike and a quarantine-rate jump once each", async () => {
  using kv = await Deno.openKv(":memory:");
  const injected = {
    revenueCollapse: "2026-11-11",
    eventsSpike: "2026-11-07",
    quarantineJump: "2026-10-29",
  };
  await writeDataset(kv, 1, injected);
  const config = testConfig();
  const first = await detectAnomalies(kv, config, { now: SETTLED_NOW });
  const summary = (
    a: { kind: string; metric: string; source: string | null; day: string; direction: string },
  ) => `${a.kind} ${a.metric} ${a.source ?? "-"} ${a.day} ${a.direction}`;
  const expected = [
    "anomaly revenue_cents - 2026-11-11 down",
    "anomaly events - 2026-11-07 up",
    "anomaly quarantine_rate orders 2026-10-29 up",
  ];
  // Raised in scan order (revenue, orders, events, persons, rates); listed newest day first.
  assertEquals(first.raised.map(summary), expected);
  const stored = await readAlerts(kv, {});
  assertEquals(stored.map(summary), expected);
  const revenue = stored[0];
  assert(
    revenue.baseline !== null && revenue.value < revenue.baseline,
    "value is below the baseline",
  );
  assert(revenue.score !== null && revenue.score < -3.5, `score ${revenue.score}`);
  assertEquals((await listOutbox(kv)).length, 3);

  // Running again, or judging the whole range again, raises nothing new.
  assertEquals((await detectAnomalies(kv, config, { now: SETTLED_NOW })).raised, []);
  assertEquals(
    (await detectAnomalies(kv, config, { now: SETTLED_NOW, from: FIRST, to: LAST })).raised,
    [],
  );
  assertEquals((await readAlerts(kv, {})).length, 3);
  assertEquals((await listOutbox(kv)).length, 3);
});

Deno.test("detectAnomalies() run daily finds the same alerts as one run over the range", async () => {
  using kv = await Deno.openKv(":memory:");
  await writeDataset(kv, 2, { revenueCollapse: "2026-11-18", eventsSpike: "2026-10-24" });
  const config = testConfig();
  // The first run sees only the first five weeks; later runs move one day at a time.
  const raised: string[] = [];
  for (let d = addDays(FIRST, 35); d <= LAST; d = addDays(d, 1)) {
    const now = dayStartMs(addDays(d, 1)) + 6 * 3_600_000;
    const outcome = await detectAnomalies(kv, config, { now });
    assertEquals(outcome.to, d);
    raised.push(...outcome.raised.map((a) => `${a.metric} ${a.day}`));
  }
  assertEquals(raised.sort(), ["events 2026-10-24", "revenue_cents 2026-11-18"]);
});

Deno.test("detectAnomalies() gives no verdict before four weeks of history", async () => {
  using kv = await Deno.openKv(":memory:");
  await writeDataset(kv, 3, { revenueCollapse: "2026-10-08" });
  // 2026-10-08 has three earlier Thursdays (09-17, 09-24, 10-01): no verdict.
  const outcome = await detectAnomalies(kv, testConfig(), { now: SETTLED_NOW });
  assertEquals(outcome.raised.filter((a) => a.day === "2026-10-08"), []);
});
