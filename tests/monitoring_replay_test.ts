import { testConfig } from "../config.ts";
import { dayOf } from "../pipeline/contracts/buckets.ts";
import { runAllJobs } from "../pipeline/jobs/run_all.ts";
import { readEventKpis, readOrderKpis } from "../pipeline/read/kpis.ts";
import { replayQuarantine } from "../pipeline/monitoring/replay.ts";
import { listQuarantine } from "../pipeline/monitoring/quarantine_list.ts";
import { readQualityDays } from "../pipeline/monitoring/quality.ts";
import { readPipelineReport } from "../pipeline/monitoring/pipeline_report.ts";
import { readFreshness } from "../pipeline/monitoring/freshness.ts";
import { goodEvent, postBytes, postJson, quality, withApp } from "./ingest_fixtures.ts";
import { INVENTORY_HEADER, inventoryRow, workbook } from "./ingest_xlsx_fixtures.ts";
import { assert, assertEquals } from "./assert.ts";

const CSV = [
  "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,currency,status",
  "O1,1,C1,2026-11-20T10:00:00Z,SKU-A,2,10.00,USD,placed",
  "O2,1,C2,2026-11-20T11:00:00Z,SKU-B,1,20.00,CAD,placed",
  'O3,1,C3,2026-11-20T12:00:00Z,SKU-A,3,"5.50",cad,shipped',
  "O3,2,C3,2026-11-20T12:00:00Z,SKU-C,1,7.25,CHF,placed",
].join("\n") + "\n";

function assertBalanced(q: Record<string, number>): void {
  assertEquals(
    q.received ?? 0,
    (q.accepted ?? 0) + (q.quarantined ?? 0) + (q.duplicates ?? 0),
    `received = accepted + quarantined + duplicates in ${JSON.stringify(q)}`,
  );
}

Deno.test("replayQuarantine() accepts lines of a newly configured currency exactly once", async () => {
  await withApp(async ({ app, kv, config }) => {
    const res = await postBytes(app, "/v1/uploads/orders?date=2026-11-20", CSV, {
      "content-type": "text/csv",
    });
    assertEquals(res.status, 200);
    const answer = await res.json();
    assertEquals([answer.accepted, answer.quarantined], [1, 3]);
    await runAllJobs(kv, config);
    const before = await readOrderKpis(kv, "2026-11-20");
    assertEquals([before.revenue_cents, before.orders, before.units], [2000, 1, 2]);
    const today = dayOf(Date.now());
    assertEquals((await quality(kv, "orders", today))["reason:unknown_currency"], 3);

    // Replaying under the old rules accepts nothing and marks nothing.
    const unchanged = await replayQuarantine(kv, config, {
      source: "orders",
      reason: "unknown_currency",
    });
    assertEquals([unchanged.accepted, unchanged.still_rejected], [0, 3]);

    const withCad = { ...config, fxRates: { ...config.fxRates, CAD: "0.73" } };
    const first = await replayQuarantine(kv, withCad, {
      source: "orders",
      reason: "unknown_currency",
    });
    assertEquals(
      [first.selected, first.accepted, first.still_rejected, first.already_replayed],
      [3, 2, 1, 0],
    );
    const chf = first.items.find((i) => i.status === "still_rejected")!;
    assertEquals([chf.reason, chf.field], ["unknown_currency", "currency"]);
    // The accepted lines wait for the pipeline, like any upload.
    assertEquals(
      (await readPipelineReport(kv)).stages.find((s) => s.stage === "orders")!.backlog,
      2,
    );
    await runAllJobs(kv, withCad);
    const after = await readOrderKpis(kv, "2026-11-20");
    // 20.00 CAD × 0.73 = 14.60 USD; 3 × 5.50 CAD × 0.73 = 12.045 USD → 1205 cents (half up).
    assertEquals(after.revenue_cents - before.revenue_cents, 1460 + 1205);
    assertEquals([after.orders, after.units, after.customers], [3, 6, 3]);

    const q = await quality(kv, "orders", today);
    assertEquals(
      [q.received, q.accepted, q.quarantined, q["reason:unknown_currency"]],
      [4, 3, 1, 1],
    );
    assertBalanced(q);

    // Replaying again changes nothing: the two are marked, the CHF line still fails.
    const second = await replayQuarantine(kv, withCad, { source: "orders" });
    assertEquals([second.accepted, second.still_rejected], [0, 1]);
    const byIds = await replayQuarantine(kv, withCad, {
      ids: first.items.filter((i) => i.status === "accepted").map((i) => i.id),
    });
    assertEquals([byIds.accepted, byIds.already_replayed], [0, 2]);
    await runAllJobs(kv, withCad);
    assertEquals(await readOrderKpis(kv, "2026-11-20"), after);
    assertEquals(await quality(kv, "orders", today), q);

    const page = await listQuarantine(kv, { source: "orders" });
    assertEquals(page.records.filter((r) => r.replayedAs !== undefined).length, 2);
    // A replay is no delivery: the freshness of orders still shows the one file.
    const fresh = await readFreshness(kv, config, Date.now());
    assertEquals(fresh.missed.map((m) => m.period).includes("2026-11-20"), false);
  });
});

Deno.test("replayQuarantine() called concurrently accepts each line once", async () => {
  await withApp(async ({ app, kv, config }) => {
    await postBytes(app, "/v1/uploads/orders?date=2026-11-20", CSV, { "content-type": "text/csv" });
    await runAllJobs(kv, config);
    const withCad = { ...config, fxRates: { ...config.fxRates, CAD: "0.73", CHF: "1.1" } };
    const results = await Promise.all(
      [1, 2, 3].map(() => replayQuarantine(kv, withCad, { source: "orders" })),
    );
    assertEquals(results.reduce((n, r) => n + r.accepted, 0), 3);
    await runAllJobs(kv, withCad);
    const kpis = await readOrderKpis(kv, "2026-11-20");
    // 7.25 CHF × 1.1 = 7.975 USD → 798 cents.
    assertEquals(kpis.revenue_cents, 2000 + 1460 + 1205 + 798);
    assertBalanced(await quality(kv, "orders", dayOf(Date.now())));
  });
});

Deno.test("replayQuarantine() accepts an event that now passes, and counts a taken messageId as a duplicate", async () => {
  const small = { ...testConfig().limits, eventBytes: 400 };
  await withApp(async ({ app, kv, config }) => {
    const big = goodEvent({
      messageId: "big-1",
      timestamp: "2026-11-24T10:00:00Z",
      properties: { note: "x".repeat(500) },
    });
    const twin = goodEvent({
      messageId: "big-2",
      timestamp: "2026-11-24T11:00:00Z",
      properties: { note: "y".repeat(500) },
    });
    const res = await postJson(app, "/v1/batch", { batch: [big, twin] });
    assertEquals((await res.json()).quarantined, 2);
    // Meanwhile a small event reuses the second messageId and is accepted.
    await postJson(
      app,
      "/v1/track",
      goodEvent({ messageId: "big-2", timestamp: "2026-11-24T12:00:00Z" }),
    );
    await runAllJobs(kv, config);
    const before = await readEventKpis(kv, "2026-11-24");

    const roomy = { ...config, limits: { ...config.limits, eventBytes: 32 * 1024 } };
    const result = await replayQuarantine(kv, roomy, { source: "events", reason: "too_large" });
    assertEquals([result.accepted, result.duplicates], [1, 1]);
    const accepted = result.items.find((i) => i.status === "accepted")!;
    assert(accepted.replayed_as !== undefined, "the new ingest id is reported");
    await runAllJobs(kv, roomy);
    const after = await readEventKpis(kv, "2026-11-24");
    assertEquals(after.events - before.events, 1);

    const q = await quality(kv, "events", dayOf(Date.now()));
    assertEquals([q.received, q.accepted, q.duplicates, q.quarantined ?? 0], [3, 2, 1, 0]);
    assertBalanced(q);
    const again = await replayQuarantine(kv, roomy, { ids: result.items.map((i) => i.id) });
    assertEquals([again.accepted, again.already_replayed], [0, 2]);
    await runAllJobs(kv, roomy);
    assertEquals(await readEventKpis(kv, "2026-11-24"), after);
    const rows = await readQualityDays(kv, dayOf(Date.now()), dayOf(Date.now()));
    assertEquals(rows.find((r) => r.source === "events")!.quarantined_by_reason, {});
  }, { limits: small });
});

Deno.test("replayQuarantine() reports ids it does not know and inventory rows as not replayable", async () => {
  await withApp(async ({ app, kv, config }) => {
    const bytes = workbook([{
      name: "inventory",
      rows: [INVENTORY_HEADER, inventoryRow(1), ["SKU-2", "Product 2", "Garden", "W1", -4, 5, 2.5]],
    }]);
    const res = await postBytes(app, "/v1/uploads/inventory?week=2026-11-23", bytes, {
      "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    });
    assertEquals((await res.json()).quarantined, 1);
    const [record] = (await listQuarantine(kv, { source: "inventory" })).records;
    const result = await replayQuarantine(kv, config, { ids: [record.id, "no-such-id"] });
    assertEquals(result.items.map((i) => [i.id, i.status]), [
      [record.id, "not_replayable"],
      ["no-such-id", "not_found"],
    ]);
    assertEquals(
      (await listQuarantine(kv, { source: "inventory" })).records[0].replayedAs,
      undefined,
    );
  });
});
