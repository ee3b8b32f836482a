/**
 * `GET /v1/export/{layer}/{table}`: admin auth, unknown tables, parameters,
 * headers, date ranges and the daily KPI table, through `app.request()`.
 */

import { parquetReadObjects } from "hyparquet";
import { assert, assertEquals } from "./assert.ts";
import { seedFixtures } from "./export_fixtures.ts";
import { testConfig } from "../config.ts";
import { goldView } from "../kv/keys.ts";
import type { DailyRow } from "../pipeline/read/types.ts";
import { createApp } from "../routes/app.ts";

const config = testConfig();
const auth = { authorization: `Bearer ${config.adminToken}` };

async function withApp(fn: (app: ReturnType<typeof createApp>, kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await seedFixtures(kv);
    await fn(createApp({ kv, config }), kv);
  } finally {
    kv.close();
  }
}

Deno.test("export answers 401 without the admin token", async () => {
  await withApp(async (app) => {
    for (const headers of [{}, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
      const res = await app.request("/v1/export/silver/order_lines?format=csv", { headers });
      assertEquals(res.status, 401);
      assertEquals((await res.json()).error, "unauthorized");
    }
  });
});

Deno.test("export answers 404 for an unknown table or layer", async () => {
  await withApp(async (app) => {
    for (const path of ["/v1/export/silver/nope", "/v1/export/bronze/events"]) {
      const res = await app.request(`${path}?format=csv`, { headers: auth });
      assertEquals(res.status, 404);
      const body = await res.json();
      assertEquals(body.error, "not_found");
      assert(body.message.includes("does not exist"), body.message);
    }
  });
});

Deno.test("export answers 400 for a bad format, date or range", async () => {
  await withApp(async (app) => {
    const cases = [
      "/v1/export/silver/order_lines?format=xlsx",
      "/v1/export/gold/quality?from=2026-13-01",
      "/v1/export/gold/quality?from=2026-11-26&to=2026-11-25",
      "/v1/export/silver/order_lines?from=2026-11-25",
    ];
    for (const path of cases) {
      const res = await app.request(path, { headers: auth });
      assertEquals(res.status, 400, path);
      assertEquals((await res.json()).error, "invalid_parameter", path);
    }
  });
});

Deno.test("export sets content type and attachment name per format", async () => {
  await withApp(async (app) => {
    const expected = {
      csv: "text/csv; charset=utf-8; header=present",
      ndjson: "application/x-ndjson; charset=utf-8",
      parquet: "application/vnd.apache.parquet",
    };
    for (const [format, type] of Object.entries(expected)) {
      const res = await app.request(`/v1/export/gold/alerts?format=${format}`, { headers: auth });
      assertEquals(res.status, 200);
      assertEquals(res.headers.get("content-type"), type);
      assertEquals(
        res.headers.get("content-disposition"),
        `attachment; filename="gold_alerts.${format}"`,
      );
      assertEquals(res.headers.get("cache-control"), "no-store");
      assert((await res.arrayBuffer()).byteLength > 0);
    }
    const plain = await app.request("/v1/export/gold/alerts", { headers: auth });
    assertEquals(plain.headers.get("content-type"), expected.csv, "CSV when no format is given");
    await plain.body?.cancel();
  });
});

Deno.test("export of quality counters honours from and to, counters signed", async () => {
  await withApp(async (app) => {
    const res = await app.request(
      "/v1/export/gold/quality?format=ndjson&from=2026-11-25&to=2026-11-25",
      { headers: auth },
    );
    const rows = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(rows, [
      { date: "2026-11-25", source: "orders", metric: "quarantined", value: 2 },
      { date: "2026-11-25", source: "orders", metric: "received", value: 7 },
    ]);
    const all = await app.request("/v1/export/gold/quality?format=csv", { headers: auth });
    assertEquals(
      await all.text(),
      "date,source,metric,value\r\n" +
        "2026-11-24,orders,received,5\r\n" +
        "2026-11-25,orders,quarantined,2\r\n" +
        "2026-11-25,orders,received,7\r\n" +
        "2026-11-26,events,received,3\r\n",
    );
    const later = await app.request("/v1/export/gold/quality?format=csv&from=2026-11-26", {
      headers: auth,
    });
    assertEquals(
      await later.text(),
      "date,source,metric,value\r\n2026-11-26,events,received,3\r\n",
    );
  });
});

Deno.test("export of inventory rows selects snapshot weeks with from and to", async () => {
  await withApp(async (app) => {
    const weeks = async (query: string) => {
      const res = await app.request(`/v1/export/silver/inventory_rows?format=ndjson&${query}`, {
        headers: auth,
      });
      return (await res.text()).trim().split("\n").filter((l) => l).map((l) =>
        `${JSON.parse(l).week} ${JSON.parse(l).sku}`
      );
    };
    assertEquals(await weeks("from=2026-11-23"), ["2026-11-23 SKU-1", "2026-11-23 SKU-2"]);
    assertEquals(await weeks("to=2026-11-16"), ["2026-11-16 SKU-1"]);
    assertEquals(await weeks("from=2026-11-17&to=2026-11-22"), []);
    assertEquals((await weeks("from=2026-11-16&to=2026-11-23")).length, 3);
  });
});

Deno.test("export of gold/daily covers the days with data, zero days included", async () => {
  await withApp(async (app, kv) => {
    const row = (date: string, revenue: number, orders: number): DailyRow => ({
      date,
      revenue_cents: revenue,
      orders,
      units: orders * 2,
      aov_cents: orders ? Math.round(revenue / orders) : 0,
      events: 10,
      persons: 4,
    });
    await kv.set(goldView("daily", "2026-10-30"), row("2026-10-30", 1000, 1));
    await kv.set(goldView("daily", "2026-12-02"), row("2026-12-02", 9_000_000_000_000, 3));
    const res = await app.request("/v1/export/gold/daily?format=parquet", { headers: auth });
    assertEquals(res.status, 200);
    const rows = await parquetReadObjects({ file: await res.arrayBuffer() });
    assertEquals(rows.length, 34, "30 Oct to 2 Dec inclusive");
    assertEquals(rows[0], {
      date: new Date("2026-10-30T00:00:00.000Z"),
      revenue_cents: 1000n,
      orders: 1n,
      units: 2n,
      aov_cents: 1000n,
      events: 10n,
      persons: 4n,
    });
    assertEquals(rows[1], {
      date: new Date("2026-10-31T00:00:00.000Z"),
      revenue_cents: 0n,
      orders: 0n,
      units: 0n,
      aov_cents: 0n,
      events: 0n,
      persons: 0n,
    });
    assertEquals(rows[33].revenue_cents, 9_000_000_000_000n);
    const days = rows.map((r) => (r.date as Date).toISOString().slice(0, 10));
    assertEquals(new Set(days).size, 34, "every day once, across 31-day windows");

    const ranged = await app.request(
      "/v1/export/gold/daily?format=csv&from=2026-12-01&to=2026-12-03",
      { headers: auth },
    );
    assertEquals(
      await ranged.text(),
      "date,revenue_cents,orders,units,aov_cents,events,persons\r\n" +
        "2026-12-01,0,0,0,0,0,0\r\n" +
        "2026-12-02,9000000000000,3,6,3000000000000,10,4\r\n" +
        "2026-12-03,0,0,0,0,0,0\r\n",
    );
  });
});

Deno.test("export of gold/daily with no data is the header alone", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const res = await createApp({ kv, config }).request("/v1/export/gold/daily?format=csv", {
      headers: auth,
    });
    assertEquals(await res.text(), "date,revenue_cents,orders,units,aov_cents,events,persons\r\n");
  } finally {
    kv.close();
  }
});

Deno.test("export of gold/orders views flattens figures and keeps nested lists as JSON", async () => {
  await withApp(async (app) => {
    const res = await app.request("/v1/export/gold/orders?format=ndjson", { headers: auth });
    const rows = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(rows.length, 1);
    assertEquals(rows[0].bucket, "2026-11-25");
    assertEquals(rows[0].refunded_cents, 325);
    assertEquals(rows[0].top_products[0].name, "Café");
  });
});
