/**
 * End to end on a generated dataset (tasks/generate.ts): files through the
 * ingest API, the real pipeline, then the monitoring jobs, compared with the
 * generator's answer key and with an independent reading of the anomaly rule
 * of shared/spec/kpis.md.
 */
import { generate } from "../tasks/generate/mod.ts";
import type { Expected } from "../tasks/generate/expected.ts";
import { addDays, dayOf, dayStartMs } from "../pipeline/contracts/buckets.ts";
import { runAllJobs } from "../pipeline/jobs/run_all.ts";
import { readDaily } from "../pipeline/read/kpis.ts";
import { runChecks } from "../pipeline/monitoring/reconciliation.ts";
import { readCrossSource, readQualityDays } from "../pipeline/monitoring/quality.ts";
import { checkFreshness } from "../pipeline/monitoring/freshness.ts";
import { detectAnomalies } from "../pipeline/monitoring/anomalies.ts";
import { readAlerts } from "../pipeline/monitoring/alerts.ts";
import { postBytes, type TestApp, withApp } from "./ingest_fixtures.ts";
import { assert, assertEquals } from "./assert.ts";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DAILY = ["revenue_cents", "orders", "events", "persons"] as const;
/** Events in the injected burst. */
const SPIKE = 1500;

/** The anomaly rule of kpis.md, read directly: same weekday, 8 weeks, ≥ 4 values, median/MAD. */
function expectedAnomalies(days: Expected["daily"]["days"]): string[] {
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  };
  const out: string[] = [];
  for (const metric of DAILY) {
    // A series starts with its first day of data (orders for order metrics, events for event ones).
    const orderSide = metric === "revenue_cents" || metric === "orders";
    const first = days.findIndex((d) =>
      orderSide ? d.orders !== 0 || d.revenue_cents !== 0 : d.events !== 0
    );
    for (let i = first; i < days.length; i++) {
      const base: number[] = [];
      for (let k = 1; k <= 8; k++) if (i - 7 * k >= first) base.push(days[i - 7 * k][metric]);
      if (base.length < 4) continue;
      const m = med(base);
      const mad = med(base.map((x) => Math.abs(x - m)));
      const scale = mad === 0 ? Math.max(1, 0.1 * Math.abs(m)) : 1.4826 * mad;
      const score = (days[i][metric] - m) / scale;
      if (Math.abs(score) > 3.5) out.push(`${metric} ${days[i].date} ${score > 0 ? "up" : "down"}`);
    }
  }
  return out.sort();
}

async function ingestAll(t: TestApp, dir: string, expected: Expected, skip: string): Promise<void> {
  const events = await Deno.readFile(`${dir}/${expected.meta.files.events}`);
  const res = await postBytes(t.app, "/v1/events?historical=1", events, {
    "content-type": "application/x-ndjson",
  });
  assertEquals(res.status, 200);
  for (const f of expected.meta.files.inventory) {
    const bytes = await Deno.readFile(`${dir}/${f.file}`);
    const r = await postBytes(t.app, `/v1/uploads/inventory?week=${f.week}`, bytes, {
      "content-type": XLSX_TYPE,
    });
    assertEquals(r.status, 200, f.file);
  }
  for (const f of expected.meta.files.orders) {
    if (f.file === skip) continue;
    const bytes = await Deno.readFile(`${dir}/${f.file}`);
    const r = await postBytes(t.app, `/v1/uploads/orders?date=${f.date}`, bytes, {
      "content-type": "text/csv",
    });
    assertEquals(r.status, 200, f.file);
  }
}

Deno.test("monitoring on a generated dataset: freshness, anomalies, quality and cross-source checks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "monitoring_generated_" });
  try {
    const started = Date.now();
    // The checks run "at" 07:00 the day after `end` (when `end` is settled). That moment must not
    // be later than the real ingest below, or the events look silent since then: before 08:00 UTC
    // the data therefore ends two days back.
    const end = addDays(dayOf(started - 8 * 3_600_000), -1);
    const summary = await generate({ seed: 7, days: 70, persons: 200, dirty: 0.05, out: dir, end });
    const expected = summary.expected;
    // The orders file of `gap` is held back: a missing file (its day keeps the lines that later
    // files carry, so it is not necessarily a collapse).
    const gap = addDays(end, -20);
    const withheld = expected.meta.files.orders.find((f) => f.date === gap)!;
    // A bot sends a burst of page views on `spike`.
    const spike = addDays(end, -10);
    await withApp(async (t) => {
      await ingestAll(t, dir, expected, withheld.file);
      const burst = Array.from({ length: SPIKE }, (_, i) =>
        JSON.stringify({
          type: "page",
          messageId: `bot-${i}`,
          anonymousId: "bot-1",
          timestamp: `${spike}T03:00:${String(i % 60).padStart(2, "0")}Z`,
        })).join("\n");
      const r = await postBytes(t.app, "/v1/events?historical=1", burst, {
        "content-type": "application/x-ndjson",
      });
      assertEquals((await r.json()).accepted, SPIKE);
      await runAllJobs(t.kv, t.config);
      const now = dayStartMs(addDays(end, 1)) + 7 * 3_600_000;

      const fresh = await checkFreshness(t.kv, t.config, now);
      assertEquals(fresh.raised.map((a) => `${a.kind} ${a.metric} ${a.source} ${a.day}`), [
        `freshness missing_file orders ${gap}`,
      ]);

      // The oracle reads the figures the pipeline serves (checked against the answer key below).
      const daily = (await readDaily(t.kv, expected.meta.start, end)).days;
      const oracle = expectedAnomalies(daily);
      assert(oracle.includes(`events ${spike} up`), `the burst is an anomaly: ${oracle}`);
      const detected = await detectAnomalies(t.kv, t.config, { now });
      assertEquals(detected.to, end);
      // Quarantine rates are per received day: everything arrived today, so they have no baseline.
      assertEquals(
        detected.raised.map((a) => `${a.metric} ${a.day} ${a.direction}`).sort(),
        oracle,
      );
      const spikeAlerts = await readAlerts(t.kv, { from: spike, to: spike });
      assertEquals(
        spikeAlerts.filter((a) => a.metric === "events").map((a) => [a.value, a.direction]),
        [[daily.find((d) => d.date === spike)!.events, "up"]],
      );
      assertEquals((await detectAnomalies(t.kv, t.config, { now })).raised, []);

      // The late file arrives: cross-source figures equal the answer key.
      const bytes = await Deno.readFile(`${dir}/${withheld.file}`);
      const burstDay = expected.daily.days.find((d) => d.date === spike)!;
      await postBytes(t.app, `/v1/uploads/orders?date=${gap}`, bytes, {
        "content-type": "text/csv",
      });
      await runAllJobs(t.kv, t.config);
      await runChecks(t.kv, t.config);
      assertEquals(
        (await readDaily(t.kv, expected.meta.start, expected.meta.end)).days,
        expected.daily.days.map((d) =>
          d === burstDay ? { ...d, events: d.events + SPIKE, persons: d.persons + 1 } : d
        ),
      );
      const cross = await readCrossSource(t.kv, expected.meta.start, expected.meta.end);
      assertEquals(
        cross.map((c) => ({
          date: c.date,
          orders_unknown_sku: c.orders_unknown_sku,
          orders_without_event: c.orders_without_event,
          events_without_order: c.events_without_order,
        })),
        expected.cross_source.filter((c) =>
          c.date >= expected.meta.start && c.date <= expected.meta.end
        ),
      );

      // Quality: everything was received during the test; the figures are the sums of the key's.
      const days = await readQualityDays(t.kv, dayOf(started), dayOf(Date.now()));
      const rows = (["events", "orders", "inventory"] as const).map((source) =>
        days.filter((d) => d.source === source).reduce((a, d) => ({
          ...a,
          received: a.received + d.received,
          accepted: a.accepted + d.accepted,
          quarantined: a.quarantined + d.quarantined,
          duplicates: a.duplicates + d.duplicates,
          quarantined_by_reason: Object.fromEntries(
            [
              ...new Set([
                ...Object.keys(a.quarantined_by_reason),
                ...Object.keys(d.quarantined_by_reason),
              ]),
            ]
              .map((
                k,
              ) => [k, (a.quarantined_by_reason[k] ?? 0) + (d.quarantined_by_reason[k] ?? 0)]),
          ),
        }))
      );
      const sum = (
        files: Record<
          string,
          { received: number; accepted: number; quarantined: number; duplicates: number }
        >,
      ) => {
        const s = { received: 0, accepted: 0, quarantined: 0, duplicates: 0 };
        for (const f of Object.values(files)) {
          s.received += f.received;
          s.accepted += f.accepted;
          s.quarantined += f.quarantined;
          s.duplicates += f.duplicates;
        }
        return s;
      };
      const pick = (
        r: { received: number; accepted: number; quarantined: number; duplicates: number },
      ) => ({
        received: r.received,
        accepted: r.accepted,
        quarantined: r.quarantined,
        duplicates: r.duplicates,
      });
      // The burst adds to the key's events.
      const keyEvents = pick(expected.quality.events);
      assertEquals(pick(rows.find((r) => r.source === "events")!), {
        ...keyEvents,
        received: keyEvents.received + SPIKE,
        accepted: keyEvents.accepted + SPIKE,
      });
      assertEquals(
        rows.find((r) => r.source === "events")!.quarantined_by_reason,
        expected.quality.events.quarantined_by_reason,
      );
      assertEquals(pick(rows.find((r) => r.source === "orders")!), sum(expected.quality.orders));
      assertEquals(
        pick(rows.find((r) => r.source === "inventory")!),
        sum(expected.quality.inventory),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
