import { testConfig } from "../config.ts";
import { runAllJobs } from "../pipeline/jobs/run_all.ts";
import { recordJobRun } from "../pipeline/jobs/runner.ts";
import { readPipelineReport } from "../pipeline/monitoring/pipeline_report.ts";
import { landEvents, landOrdersFile } from "./pipeline_fixtures.ts";
import { assert, assertEquals } from "./assert.ts";

Deno.test("readPipelineReport() shows backlog and lag per stage, 0 once drained", async () => {
  using kv = await Deno.openKv(":memory:");
  const config = testConfig();
  const t = Date.UTC(2026, 10, 20, 10);
  await landEvents(
    kv,
    [1, 2, 3].map((i) => ({
      messageId: `m${i}`,
      type: "track" as const,
      event: "Product Viewed",
      userId: `u${i}`,
      ts: t,
    })),
  );
  await landOrdersFile(kv, {
    date: "2026-11-20",
    lines: [{
      orderId: "O1",
      lineNo: 1,
      customerId: "C1",
      orderTs: t,
      sku: "SKU-1",
      quantity: 1,
      unitPrice: "5",
      currency: "USD",
      discount: "0",
      status: "placed",
    }],
  });
  const landed = Date.now();
  const report = await readPipelineReport(kv, { now: landed + 90_000 });
  const stage = (name: string) => report.stages.find((s) => s.stage === name)!;
  assertEquals([stage("events").backlog, stage("orders").backlog, stage("inventory").backlog], [
    3,
    1,
    0,
  ]);
  assert(
    stage("events").lag_seconds >= 90 && stage("events").lag_seconds < 120,
    `${stage("events").lag_seconds}`,
  );
  assert(
    stage("orders").lag_seconds >= 90 && stage("orders").lag_seconds < 120,
    `${stage("orders").lag_seconds}`,
  );
  assertEquals(stage("inventory").lag_seconds, 0);

  await runAllJobs(kv, config);
  const drained = await readPipelineReport(kv, { now: landed + 90_000 });
  assertEquals(drained.stages, [
    { stage: "events", backlog: 0, lag_seconds: 0 },
    { stage: "orders", backlog: 0, lag_seconds: 0 },
    { stage: "inventory", backlog: 0, lag_seconds: 0 },
  ]);
  const clean = drained.jobs.find((j) => j.name === "clean_events")!;
  assert(clean.runs.length >= 1, "clean_events ran");
  assertEquals(clean.runs.reduce((n, r) => n + r.records_in, 0), 3);
  assertEquals(clean.runs.every((r) => r.status === "ok" && r.finished_at !== null), true);
});

Deno.test("readPipelineReport() lists recent runs newest first, failures with their error", async () => {
  using kv = await Deno.openKv(":memory:");
  await recordJobRun(kv, "checks", () => Promise.resolve({ records_in: 1, records_out: 0 }));
  await new Promise((r) => setTimeout(r, 5));
  await recordJobRun(kv, "checks", () => Promise.reject(new Error(`Day "2026-11-20" failed`)));
  await recordJobRun(kv, "custom_job", () => Promise.resolve({ records_in: 0, records_out: 0 }));
  const report = await readPipelineReport(kv, { runsPerJob: 5 });
  const checks = report.jobs.find((j) => j.name === "checks")!;
  assertEquals(checks.runs.map((r) => [r.status, r.error]), [
    ["error", `Day "2026-11-20" failed`],
    ["ok", null],
  ]);
  assertEquals(report.jobs.find((j) => j.name === "custom_job")!.runs.length, 1);
  assertEquals(report.jobs.find((j) => j.name === "rebuild")!.runs, []);
});
