import { goodEvent, postBytes, postJson, withApp } from "./ingest_fixtures.ts";
import { assert, assertEquals } from "./assert.ts";
import type { Hono } from "hono";

const ADMIN = { authorization: "Bearer test-admin-token" };

function get(app: Hono, path: string, headers: Record<string, string> = ADMIN) {
  return Promise.resolve(app.request(path, { headers }));
}

function post(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}) {
  return Promise.resolve(app.request(path, {
    method: "POST",
    headers: { ...ADMIN, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  }));
}

const CSV = "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,currency,status\n" +
  "A1,1,C1,2026-11-20T10:00:00Z,SKU-1,1,5,CAD,placed\n" +
  "A2,1,C1,2026-11-20T10:00:00Z,SKU-1,2,5,USD,placed\n";

Deno.test("monitoring endpoints refuse requests without the admin token", async () => {
  await withApp(async ({ app }) => {
    for (
      const path of ["/v1/quality", "/v1/pipeline", "/v1/alerts", "/v1/quarantine", "/metrics"]
    ) {
      const variants: Record<string, string>[] = [
        {},
        { authorization: "Bearer wrong" },
        { authorization: "Bearer test-write-key" },
      ];
      for (const headers of variants) {
        const res = await get(app, path, headers);
        assertEquals(res.status, 401, `${path} ${JSON.stringify(headers)}`);
        assertEquals((await res.json()).error, "unauthorized");
      }
    }
    for (const path of ["/v1/pipeline/run", "/v1/quarantine/replay"]) {
      const res = await post(app, path, {}, { authorization: "" });
      assertEquals(res.status, 401, path);
    }
    assertEquals((await get(app, "/healthz", {})).status, 200);
  });
});

Deno.test("monitoring endpoints answer 400 for bad parameters", async () => {
  await withApp(async ({ app }) => {
    const cases: [string, string][] = [
      ["/v1/quality?from=2026-11-31&to=2026-12-01", "invalid_parameter"],
      ["/v1/quality?from=2026-11-02", "invalid_range"],
      ["/v1/quality?from=2026-11-03&to=2026-11-02", "invalid_range"],
      ["/v1/quality?from=2000-01-01&to=2026-11-02", "invalid_range"],
      ["/v1/alerts?from=yesterday", "invalid_parameter"],
      ["/v1/quarantine?source=clicks", "invalid_parameter"],
      ["/v1/quarantine?reason=bad", "invalid_parameter"],
      ["/v1/quarantine?limit=0", "invalid_parameter"],
      ["/v1/quarantine?limit=501", "invalid_parameter"],
      ["/v1/quarantine?cursor=abc!", "invalid_cursor"],
      ["/v1/quality/reconciliation?day=2026-11-20&kind=other", "invalid_parameter"],
    ];
    for (const [path, code] of cases) {
      const res = await get(app, path);
      assertEquals(res.status, 400, path);
      const body = await res.json();
      assertEquals(body.error, code, path);
      assert(typeof body.message === "string" && !body.message.endsWith("."), body.message);
    }
  });
});

Deno.test("POST /v1/pipeline/run drains the pipeline and runs the monitoring jobs", async () => {
  await withApp(async ({ app }) => {
    await postJson(app, "/v1/batch", { batch: [goodEvent(), goodEvent()] });
    await postBytes(app, "/v1/uploads/orders?date=2026-11-20", CSV, { "content-type": "text/csv" });
    const res = await post(app, "/v1/pipeline/run", "");
    assertEquals(res.status, 200);
    const body = await res.json();
    assertEquals(body.drained, true);
    const clean = body.jobs.find((j: { name: string }) => j.name === "clean_events");
    assertEquals(clean.records_in, 2);
    assertEquals(body.monitoring.ran, true);
    assertEquals(
      body.monitoring.runs.map((r: { name: string; status: string }) => `${r.name}:${r.status}`),
      [
        "checks:ok",
        "freshness:ok",
        "anomalies:ok",
        "alert_delivery:ok",
      ],
    );
    assertEquals(body.monitoring.checks.days_checked, 1);

    const pipeline = await (await get(app, "/v1/pipeline")).json();
    assertEquals(pipeline.stages.map((s: { backlog: number }) => s.backlog), [0, 0, 0]);
    const checks = pipeline.jobs.find((j: { name: string }) => j.name === "checks");
    assertEquals(Object.keys(checks.runs[0]).sort(), [
      "error",
      "finished_at",
      "records_in",
      "records_out",
      "started_at",
      "status",
    ]);

    const quality = await (await get(app, "/v1/quality?from=2026-11-20&to=2026-11-20")).json();
    assertEquals(quality.cross_source[0].orders_without_event, 1);
    const today = await (await get(app, "/v1/quality")).json();
    assertEquals(today.days.length, 2);
    assertEquals(today.cross_source.length, 30);

    const alerts = await (await get(app, "/v1/alerts")).json();
    assert(alerts.alerts.length >= 1, "missing orders files since 2026-11-20 are alerted");
    for (const a of alerts.alerts) {
      assertEquals(a.kind, "freshness");
      for (
        const key of [
          "id",
          "metric",
          "source",
          "day",
          "value",
          "baseline",
          "score",
          "direction",
          "raised_at",
        ]
      ) {
        assert(Object.hasOwn(a, key), `alert has ${key}`);
      }
    }
    const metrics = await get(app, "/metrics");
    assertEquals(metrics.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert((await metrics.text()).includes('pipeline_stage_backlog_records{stage="events"} 0'));
  });
});

Deno.test("GET /v1/quarantine pages and POST /v1/quarantine/replay replays by id or filter", async () => {
  await withApp(async ({ app }) => {
    await postBytes(app, "/v1/uploads/orders?date=2026-11-20", CSV, { "content-type": "text/csv" });
    await postJson(app, "/v1/batch", { batch: [{ type: "track" }, { type: "screen" }] });
    const page1 = await (await get(app, "/v1/quarantine?limit=2")).json();
    assertEquals(page1.records.length, 2);
    const page2 = await (await get(app, `/v1/quarantine?limit=2&cursor=${page1.next_cursor}`))
      .json();
    assertEquals([page2.records.length, page2.next_cursor], [1, null]);
    const orders = await (await get(app, "/v1/quarantine?source=orders&reason=unknown_currency"))
      .json();
    assertEquals(orders.records.map((r: { raw: string }) => r.raw), [
      "A1,1,C1,2026-11-20T10:00:00Z,SKU-1,1,5,CAD,placed",
    ]);

    assertEquals(
      (await post(app, "/v1/quarantine/replay", "{}", { "content-type": "text/plain" })).status,
      415,
    );
    assertEquals((await post(app, "/v1/quarantine/replay", "{")).status, 400);
    const unknownField = await post(app, "/v1/quarantine/replay", { ids: [], everything: true });
    assertEquals(unknownField.status, 400);
    assertEquals((await post(app, "/v1/quarantine/replay", { source: "clicks" })).status, 400);

    const byId = await (await post(app, "/v1/quarantine/replay", { ids: [orders.records[0].id] }))
      .json();
    assertEquals([byId.selected, byId.still_rejected], [1, 1]);
    const byFilter =
      await (await post(app, "/v1/quarantine/replay", { source: "events", limit: 10 })).json();
    assertEquals([byFilter.selected, byFilter.still_rejected], [2, 2]);
    assertEquals(byFilter.items.map((i: { reason: string }) => i.reason).sort(), [
      "missing_required",
      "unsupported_type",
    ]);
  });
});
