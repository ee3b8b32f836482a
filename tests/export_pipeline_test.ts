/**
 * Exports of what the real producers wrote: events, orders and inventory go
 * through ingest and the pipeline jobs, and every table's declared columns
 * are found in the stored shapes (no column silently null).
 */

import { assert, assertEquals } from "./assert.ts";
import { goodEvent, postJson, withApp } from "./ingest_fixtures.ts";
import { landInventoryFile, landOrdersFile } from "./pipeline_fixtures.ts";
import { EXPORT_TABLES } from "../pipeline/export/mod.ts";
import { runAllJobs } from "../pipeline/jobs/run_all.ts";

const NOW = Date.now();
const DAY = new Date(NOW - 86_400_000).toISOString().slice(0, 10);

/** Columns that may be null in every row of this dataset (optional fields not set here). */
const OPTIONAL = new Set([
  "silver/events:anonymous_id",
  "silver/events:order_id",
  "silver/events:revenue",
  "silver/events:context",
  "silver/events:traits",
  "silver/order_lines:country",
  "silver/order_lines:channel",
  "gold/quarantine:field",
  "gold/quarantine:date",
  "gold/quarantine:replayed_as",
  "gold/inventory:days_of_cover",
]);

Deno.test("every exported column is filled from the shapes the pipeline writes", async () => {
  await withApp(async ({ app, kv, config }) => {
    const ts = new Date(NOW - 86_400_000).toISOString();
    const events = [
      goodEvent({ timestamp: ts, userId: "u-1" }),
      goodEvent({ timestamp: ts, userId: "u-2", event: "Product Added" }),
      { type: "track", messageId: "bad-1", userId: "u-3" },
    ];
    const res = await postJson(app, "/v1/batch?historical=1", { batch: events });
    assertEquals(res.status, 200);
    assertEquals((await res.json()).quarantined, 1);
    await landOrdersFile(kv, {
      date: DAY,
      lines: [1, 2].map((n) => ({
        orderId: "O-1",
        lineNo: n,
        customerId: "C-1",
        orderTs: NOW - 86_400_000,
        sku: "SKU-1",
        quantity: 2,
        unitPrice: "10.5",
        currency: "USD",
        discount: "0",
        status: "placed",
      })),
    });
    const monday = new Date(NOW - ((new Date(NOW).getUTCDay() + 6) % 7) * 86_400_000)
      .toISOString().slice(0, 10);
    await landInventoryFile(kv, {
      week: monday,
      rows: [{
        sku: "SKU-1",
        productName: "Mug",
        category: "Kitchen",
        warehouse: "W1",
        onHand: 4,
        reorderPoint: 2,
        unitCost: "3.5",
      }],
    });
    await runAllJobs(kv, config);

    const headers = { authorization: `Bearer ${config.adminToken}` };
    for (const table of EXPORT_TABLES) {
      const id = `${table.layer}/${table.name}`;
      const res = await app.request(`/v1/export/${id}?format=ndjson`, { headers });
      assertEquals(res.status, 200, id);
      const rows = (await res.text()).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
      if (table.name === "alerts") continue; // no alert is raised by this dataset
      assert(rows.length > 0, `${id} has rows`);
      for (const column of table.columns) {
        if (OPTIONAL.has(`${id}:${column.name}`)) continue;
        assert(
          rows.some((r) => r[column.name] !== null),
          `${id} column "${column.name}" is filled in some row`,
        );
      }
    }
    const lines = await (await app.request("/v1/export/silver/order_lines?format=ndjson", {
      headers,
    })).text();
    const first = JSON.parse(lines.split("\n")[0]);
    assertEquals(
      [first.order_id, first.line_no, first.quantity, first.value_cents],
      ["O-1", 1, 2, 2100],
    );
  });
});
