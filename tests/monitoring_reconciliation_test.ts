import { runAllJobs } from "../pipeline/jobs/run_all.ts";
import { listReconciliation, runChecks } from "../pipeline/monitoring/reconciliation.ts";
import { readCrossSource } from "../pipeline/monitoring/quality.ts";
import { goodEvent, postBytes, postJson, type TestApp, withApp } from "./ingest_fixtures.ts";
import { INVENTORY_HEADER, workbook } from "./ingest_xlsx_fixtures.ts";
import { assertEquals } from "./assert.ts";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function completed(
  messageId: string,
  orderId: string,
  ts: string,
  revenue?: number,
  currency?: string,
) {
  const properties: Record<string, unknown> = { order_id: orderId };
  if (revenue !== undefined) properties.revenue = revenue;
  if (currency !== undefined) properties.currency = currency;
  return goodEvent({ messageId, event: "Order Completed", timestamp: ts, properties });
}

async function upload(t: TestApp, date: string, rows: string[]): Promise<void> {
  const csv = ["order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,status", ...rows]
    .join("\n");
  const res = await postBytes(t.app, `/v1/uploads/orders?date=${date}`, csv, {
    "content-type": "text/csv",
  });
  assertEquals(res.status, 200);
}

async function inventory(t: TestApp, week: string, skus: string[]): Promise<void> {
  const rows = [INVENTORY_HEADER, ...skus.map((s) => [s, `Name ${s}`, "Kitchen", "W1", 5, 1, 2])];
  const res = await postBytes(
    t.app,
    `/v1/uploads/inventory?week=${week}`,
    workbook([{ name: "inventory", rows }]),
    {
      "content-type": XLSX_TYPE,
    },
  );
  assertEquals(res.status, 200);
}

/**
 * The hand-computed fixture:
 *
 * | order | day   | lines                                   | events                        |
 * | O1    | 11-20 | SKU-1 2×10 placed, SKU-9 1×5 placed      | E1 25.00 USD, E6 25.00 (twice) |
 * | O2    | 11-20 | SKU-2 1×30 cancelled, SKU-8 1×4 cancelled | none                          |
 * | O3    | 11-20 | SKU-9 1×7 shipped                        | E2 9.00 USD                   |
 * | O4    | 11-21 | SKU-1 1×12 delivered                     | E5 10 EUR (10.80 USD)         |
 * | O9    | —     | —                                        | E3 on 11-20, E4 on 11-21      |
 *
 * SKU-1 and SKU-2 are in the snapshot; SKU-8 and SKU-9 are not.
 */
async function fixture(t: TestApp): Promise<void> {
  await inventory(t, "2026-11-16", ["SKU-1", "SKU-2"]);
  await upload(t, "2026-11-20", [
    "O1,1,C1,2026-11-20T09:00:00Z,SKU-1,2,10,placed",
    "O1,2,C1,2026-11-20T09:00:00Z,SKU-9,1,5,placed",
    "O2,1,C2,2026-11-20T10:00:00Z,SKU-2,1,30,cancelled",
    "O2,2,C2,2026-11-20T10:00:00Z,SKU-8,1,4,cancelled",
    "O3,1,C3,2026-11-20T11:00:00Z,SKU-9,1,7,shipped",
  ]);
  await upload(t, "2026-11-21", ["O4,1,C4,2026-11-21T08:00:00Z,SKU-1,1,12,delivered"]);
  const res = await postJson(t.app, "/v1/batch?historical=1", {
    batch: [
      completed("E1", "O1", "2026-11-20T09:01:00Z", 25),
      completed("E6", "O1", "2026-11-20T09:02:00Z", 25),
      completed("E2", "O3", "2026-11-20T11:01:00Z", 9, "usd"),
      completed("E3", "O9", "2026-11-20T12:00:00Z", 3),
      completed("E4", "O9", "2026-11-21T12:00:00Z"),
      completed("E5", "O4", "2026-11-21T08:01:00Z", 10, "EUR"),
    ],
  });
  assertEquals((await res.json()).accepted, 6);
  await runAllJobs(t.kv, t.config);
}

Deno.test("runChecks() matches the hand-computed cross-source figures", async () => {
  await withApp(async (t) => {
    await fixture(t);
    const outcome = await runChecks(t.kv, t.config);
    assertEquals(outcome.days_checked, 2);
    const rows = await readCrossSource(t.kv, "2026-11-19", "2026-11-21");
    assertEquals(
      rows.map((
        r,
      ) => [r.date, r.orders_unknown_sku, r.orders_without_event, r.events_without_order]),
      [
        ["2026-11-19", 0, 0, 0],
        ["2026-11-20", 2, 1, 1],
        ["2026-11-21", 0, 0, 1],
      ],
    );
    const [, d20, d21] = rows;
    assertEquals(
      [
        d20.orders_checked,
        d20.order_events_checked,
        d20.revenue_compared,
        d20.revenue_mismatches,
        d20.revenue_difference_cents,
      ],
      [3, 4, 2, 1, 200],
    );
    assertEquals(
      [
        d21.orders_checked,
        d21.order_events_checked,
        d21.revenue_compared,
        d21.revenue_mismatches,
        d21.revenue_difference_cents,
      ],
      [1, 2, 1, 1, 1080 - 1200],
    );

    const list = (day: string, kind: Parameters<typeof listReconciliation>[1]["kind"]) =>
      listReconciliation(t.kv, { day, kind }).then((p) => p.items);
    assertEquals(await list("2026-11-20", "orders_unknown_sku"), [
      { kind: "orders_unknown_sku", sku: "SKU-9", revenue_lines: 2 },
    ]);
    assertEquals(await list("2026-11-20", "orders_without_event"), [
      { kind: "orders_without_event", order_id: "O2", lines: 2, revenue_lines: 0 },
    ]);
    assertEquals(await list("2026-11-20", "events_without_order"), [
      { kind: "events_without_order", order_id: "O9", events: 1 },
    ]);
    assertEquals(await list("2026-11-20", "revenue_mismatch"), [
      {
        kind: "revenue_mismatch",
        order_id: "O3",
        event_revenue_cents: 900,
        order_revenue_cents: 700,
        difference_cents: 200,
      },
    ]);
    assertEquals(await list("2026-11-21", "revenue_mismatch"), [
      {
        kind: "revenue_mismatch",
        order_id: "O4",
        event_revenue_cents: 1080,
        order_revenue_cents: 1200,
        difference_cents: -120,
      },
    ]);
  });
});

Deno.test("runChecks() follows later data: a new snapshot, a late event, a late orders file", async () => {
  await withApp(async (t) => {
    await fixture(t);
    await runChecks(t.kv, t.config);
    await inventory(t, "2026-11-23", ["SKU-1", "SKU-9"]);
    await postJson(t.app, "/v1/batch?historical=1", {
      batch: [completed("E7", "O2", "2026-11-20T10:05:00Z", 0)],
    });
    await upload(t, "2026-11-22", ["O9,1,C9,2026-11-22T08:00:00Z,SKU-1,1,3,placed"]);
    await runAllJobs(t.kv, t.config);
    await runChecks(t.kv, t.config);
    const rows = await readCrossSource(t.kv, "2026-11-20", "2026-11-22");
    assertEquals(
      rows.map((
        r,
      ) => [r.date, r.orders_unknown_sku, r.orders_without_event, r.events_without_order]),
      [
        ["2026-11-20", 0, 0, 0],
        ["2026-11-21", 0, 0, 0],
        ["2026-11-22", 0, 0, 0],
      ],
    );
    // O2's event says 0.00 and O2 has no revenue line: they agree.
    assertEquals(rows[0].revenue_mismatches, 1);
    assertEquals(
      (await listReconciliation(t.kv, { day: "2026-11-20", kind: "orders_unknown_sku" })).items,
      [],
    );
  });
});

Deno.test("runChecks() recomputes an older day only when its inputs changed", async () => {
  await withApp(async (t) => {
    // Ten order days; the latest seven are always recomputed.
    for (let d = 1; d <= 10; d++) {
      const day = `2026-11-${String(d).padStart(2, "0")}`;
      await upload(t, day, [`P${d},1,C1,${day}T09:00:00Z,SKU-1,1,5,placed`]);
    }
    await runAllJobs(t.kv, t.config);
    assertEquals((await runChecks(t.kv, t.config)).days_checked, 10);
    const quiet = await runChecks(t.kv, t.config);
    assertEquals([quiet.days_checked, quiet.days_unchanged], [7, 3]);
    await postJson(t.app, "/v1/batch?historical=1", {
      batch: [completed("Q1", "P2", "2026-11-02T09:01:00Z")],
    });
    await runAllJobs(t.kv, t.config);
    const after = await runChecks(t.kv, t.config);
    assertEquals([after.days_checked, after.days_unchanged], [8, 2]);
    const [day2] = await readCrossSource(t.kv, "2026-11-02", "2026-11-02");
    assertEquals([day2.orders_without_event, day2.orders_unknown_sku], [0, 1]);
    const page1 = await listReconciliation(t.kv, {
      day: "2026-11-03",
      kind: "orders_without_event",
      limit: 1,
    });
    assertEquals(page1.items.map((i) => i.kind === "orders_without_event" && i.order_id), ["P3"]);
    assertEquals(page1.next_cursor, null);
  });
});
