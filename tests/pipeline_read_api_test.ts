import { assert, assertEquals } from "./assert.ts";
import { landEvents, landInventoryFile, landOrdersFile } from "./pipeline_fixtures.ts";
import { acceptedInput, oracle } from "./pipeline_oracle.ts";
import { FX, seededDataset } from "./pipeline_datasets.ts";
import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { runAllJobs } from "../pipeline/jobs/mod.ts";

const config = testConfig({ fxRates: FX });
const auth = { authorization: `Bearer ${config.adminToken}` };

async function withApp(fn: (app: ReturnType<typeof createApp>, kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(createApp({ kv, config }), kv);
  } finally {
    kv.close();
  }
}

Deno.test("GET /v1/kpis/* refuses a missing or wrong admin token", async () => {
  await withApp(async (app) => {
    const none = await app.request("/v1/kpis/orders?bucket=all");
    assertEquals(none.status, 401);
    assertEquals((await none.json()).error, "unauthorized");
    const wrong = await app.request("/v1/kpis/orders?bucket=all", {
      headers: { authorization: "Bearer nope" },
    });
    assertEquals(wrong.status, 401);
    assert(wrong.headers.get("www-authenticate")?.startsWith("Bearer"));
  });
});

Deno.test("GET /v1/kpis/orders answers 400 invalid_bucket with the value quoted", async () => {
  await withApp(async (app) => {
    for (const bad of ["2026-02-30", "2025-W53", "2026-13", "yesterday", ""]) {
      const res = await app.request(`/v1/kpis/orders?bucket=${encodeURIComponent(bad)}`, {
        headers: auth,
      });
      assertEquals(res.status, 400, bad);
      const body = await res.json();
      assertEquals(body.error, "invalid_bucket");
      assert(body.message.includes(`"${bad}"`), body.message);
    }
    const missing = await app.request("/v1/kpis/events", { headers: auth });
    assertEquals(missing.status, 400);
    assertEquals((await missing.json()).message, `Parameter "bucket" is missing`);
  });
});

Deno.test("GET /v1/kpis/* answers zeros for empty buckets and every day of a range", async () => {
  await withApp(async (app) => {
    const orders = await (await app.request("/v1/kpis/orders?bucket=2026-W48", { headers: auth }))
      .json();
    assertEquals(orders.revenue_cents, 0);
    assertEquals(orders.top_products, []);
    const events = await (await app.request("/v1/kpis/events?bucket=all", { headers: auth }))
      .json();
    assertEquals(events.funnel.reached, [0, 0, 0, 0]);
    assertEquals(events.funnel.steps.length, 4);
    const daily = await (await app.request("/v1/kpis/daily?from=2026-02-27&to=2026-03-02", {
      headers: auth,
    })).json();
    assertEquals(daily.days.map((d: { date: string }) => d.date), [
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
      "2026-03-02",
    ]);
    const reversed = await app.request("/v1/kpis/daily?from=2026-03-02&to=2026-03-01", {
      headers: auth,
    });
    assertEquals(reversed.status, 400);
    assertEquals((await reversed.json()).error, "invalid_range");
    const latest = await app.request("/v1/kpis/inventory?week=latest", { headers: auth });
    assertEquals(latest.status, 404);
    const tuesday = await app.request("/v1/kpis/inventory?week=2026-11-24", { headers: auth });
    assertEquals((await tuesday.json()).error, "invalid_week");
    const retention = await (await app.request("/v1/kpis/retention", { headers: auth })).json();
    assertEquals(retention, { cohorts: [] });
  });
});

Deno.test("GET /v1/kpis/* serves the drained pipeline's figures", async () => {
  await withApp(async (app, kv) => {
    const data = seededDataset(3, 4);
    await landEvents(kv, data.events);
    for (const f of data.orders) await landOrdersFile(kv, f);
    for (const f of data.inventory) await landInventoryFile(kv, f);
    await runAllJobs(kv, config);
    const expected = oracle(acceptedInput(data.events, data.orders, data.inventory, FX));
    const all = await (await app.request("/v1/kpis/orders?bucket=all", { headers: auth })).json();
    assertEquals(all, expected.orders.get("all"));
    const ev = await (await app.request("/v1/kpis/events?bucket=all", { headers: auth })).json();
    assertEquals(ev, expected.events.get("all"));
    const weeks = [...expected.inventory.keys()].sort();
    if (weeks.length > 0) {
      const last = weeks[weeks.length - 1];
      const byIso = await app.request(`/v1/kpis/inventory?week=latest`, { headers: auth });
      assertEquals(await byIso.json(), expected.inventory.get(last));
    }
    const retention = await (await app.request("/v1/kpis/retention", { headers: auth })).json();
    assertEquals(retention, expected.retention);
  });
});
