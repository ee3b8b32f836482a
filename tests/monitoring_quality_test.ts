import { addToCounter } from "../kv/counters.ts";
import { goldQuality, goldView } from "../kv/keys.ts";
import { testConfig } from "../config.ts";
import { dayOf } from "../pipeline/contracts/buckets.ts";
import { readQuality, readQualityDays } from "../pipeline/monitoring/quality.ts";
import { CROSS_SOURCE_VIEW } from "../pipeline/monitoring/reconciliation_types.ts";
import { goodEvent, postBytes, postJson, withApp } from "./ingest_fixtures.ts";
import { assertEquals } from "./assert.ts";

Deno.test("readQuality() reports what ingest answered, per source and received day", async () => {
  await withApp(async ({ app, kv, config }) => {
    const repeat = goodEvent();
    const batch = await postJson(app, "/v1/batch", {
      batch: [repeat, goodEvent(), { type: "track", event: "x", userId: "u" }, {
        type: "alias",
        messageId: "m",
        userId: "u",
      }],
    });
    assertEquals((await batch.json()).quarantined, 2);
    await postJson(app, "/v1/track", repeat);
    assertEquals(
      (await postJson(app, "/v1/track", goodEvent(), { authorization: "Bearer wrong" })).status,
      401,
    );
    const csv = [
      "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,status,country,channel",
      "A1,1,C1,2026-11-20T10:00:00Z,SKU-1,1,5,placed,DE,web",
      "A1,2,C1,2026-11-20T10:00:00Z,SKU-2,1,5,placed,Germany,web",
      "A2,1,C2,2026-11-20T11:00:00Z,SKU-1,0,5,placed,FR,fax",
    ].join("\n");
    await postBytes(app, "/v1/uploads/orders?date=2026-11-20", csv, { "content-type": "text/csv" });
    const csv2 = csv.replace("SKU-2,1,5", "SKU-2,2,5");
    await postBytes(app, "/v1/uploads/orders?date=2026-11-21", csv2, {
      "content-type": "text/csv",
    });

    const today = dayOf(Date.now());
    const report = await readQuality(kv, config, { from: today, to: today });
    const events = report.days.find((d) => d.source === "events")!;
    assertEquals(events, {
      date: today,
      source: "events",
      received: 5,
      accepted: 2,
      quarantined: 2,
      duplicates: 1,
      updates: 0,
      quarantined_by_reason: { missing_required: 1, unsupported_type: 1 },
      warnings_by_field: {},
      rejected_requests: { "401": 1 },
    });
    const orders = report.days.find((d) => d.source === "orders")!;
    assertEquals(orders, {
      date: today,
      source: "orders",
      received: 6,
      accepted: 3,
      quarantined: 2,
      duplicates: 1,
      updates: 1,
      quarantined_by_reason: { invalid_value: 2 },
      warnings_by_field: { country: 2 },
      rejected_requests: {},
    });
    for (const d of report.days) {
      assertEquals(d.received, d.accepted + d.quarantined + d.duplicates);
    }
    assertEquals(report.freshness.map((f) => f.source), ["events", "orders", "inventory"]);
  });
});

Deno.test("readQualityDays() omits days and sources with no counter, and keeps the range", async () => {
  using kv = await Deno.openKv(":memory:");
  const op = kv.atomic();
  for (
    const [day, source, metric, n] of [
      ["2026-11-19", "orders", "received", 4],
      ["2026-11-20", "events", "received", 7],
      ["2026-11-20", "events", "accepted", 7],
      ["2026-11-22", "inventory", "rejected:422", 1],
      ["2026-11-23", "events", "received", 1],
    ] as const
  ) addToCounter(op, goldQuality(source, day, metric), n);
  await op.commit();
  const rows = await readQualityDays(kv, "2026-11-20", "2026-11-22");
  assertEquals(rows.map((r) => [r.date, r.source, r.received]), [
    ["2026-11-20", "events", 7],
    ["2026-11-22", "inventory", 0],
  ]);
  assertEquals(rows[1].rejected_requests, { "422": 1 });
});

Deno.test("readQuality() lists the cross-source figures of every day of the range", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(goldView(CROSS_SOURCE_VIEW, "2026-11-21"), {
    date: "2026-11-21",
    orders_unknown_sku: 2,
    orders_without_event: 3,
    events_without_order: 1,
  });
  const report = await readQuality(kv, testConfig(), { from: "2026-11-20", to: "2026-11-22" });
  assertEquals(
    report.cross_source.map((
      c,
    ) => [c.date, c.orders_unknown_sku, c.orders_without_event, c.events_without_order]),
    [
      ["2026-11-20", 0, 0, 0],
      ["2026-11-21", 2, 3, 1],
      ["2026-11-22", 0, 0, 0],
    ],
  );
});
