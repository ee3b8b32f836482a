import { assert, assertEquals, assertRejects } from "./assert.ts";
import { landEvents } from "./pipeline_fixtures.ts";
import { testConfig } from "../config.ts";
import { KEEP_RUNS, listJobRuns, recordJobRun, runAllJobs } from "../pipeline/jobs/mod.ts";
import { cleanEvents } from "../pipeline/jobs/clean_events.ts";
import { metaBacklog } from "../kv/keys.ts";
import { counterValue } from "../kv/counters.ts";

Deno.test("recordJobRun() stores start, end, status, records and error, newest first", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await recordJobRun(kv, "materialise", () => Promise.resolve({ records_in: 3, records_out: 2 }));
    const failed = await recordJobRun(kv, "materialise", () => {
      throw new Error(`Currency "CAD" is not in the rate table`);
    });
    assertEquals(failed.status, "error");
    const runs = await listJobRuns(kv, "materialise");
    assertEquals(runs.map((r) => r.status), ["error", "ok"]);
    assertEquals(runs[0].error, `Currency "CAD" is not in the rate table`);
    assertEquals([runs[1].records_in, runs[1].records_out], [3, 2]);
    assert(runs[1].finished_at! >= runs[1].started_at);
  } finally {
    kv.close();
  }
});

Deno.test("recordJobRun() keeps only the newest runs of a job", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (let i = 0; i < KEEP_RUNS + 5; i++) {
      await recordJobRun(
        kv,
        "clean_events",
        () => Promise.resolve({ records_in: i, records_out: i }),
      );
    }
    const runs = await listJobRuns(kv, "clean_events", 100);
    assertEquals(runs.length, KEEP_RUNS);
    assertEquals(runs[0].records_in, KEEP_RUNS + 4);
  } finally {
    kv.close();
  }
});

Deno.test("cron handlers run their job as a recorded run and drain the backlog", async () => {
  // Importing the module without registering the crons in the test process.
  Deno.env.set("DISABLE_CRON", "1");
  const { PIPELINE_CRONS, scheduledJob } = await import("../pipeline/cron.ts");
  const kv = await Deno.openKv(":memory:");
  try {
    const config = testConfig();
    for (const [name] of PIPELINE_CRONS) assert(/^[A-Za-z0-9 _-]{1,64}$/.test(name), name);
    await landEvents(kv, [{
      messageId: "m1",
      type: "page",
      userId: "u",
      ts: Date.UTC(2026, 0, 1),
    }]);
    await scheduledJob("clean_events", cleanEvents)({ kv, config });
    const [run] = await listJobRuns(kv, "clean_events", 1);
    assertEquals([run.status, run.records_in], ["ok", 1]);
    assertEquals(counterValue((await kv.get(metaBacklog("events"))).value), 0);
    const failing = scheduledJob("materialise", () => Promise.reject(new Error("Disk is full")));
    await assertRejects(() => failing({ kv, config }), Error, "Disk is full");
  } finally {
    kv.close();
  }
});

Deno.test("runAllJobs() reports what each job did and whether it drained", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landEvents(kv, [
      {
        messageId: "a",
        type: "track",
        event: "Product Viewed",
        userId: "u",
        ts: Date.UTC(2026, 0, 1),
      },
      { messageId: "b", type: "page", anonymousId: "x", ts: Date.UTC(2026, 0, 2) },
    ]);
    const result = await runAllJobs(kv, testConfig());
    assertEquals(result.drained, true);
    const clean = result.jobs.find((j) => j.name === "clean_events")!;
    assertEquals([clean.records_in, clean.errors], [2, 0]);
    assert(result.jobs.find((j) => j.name === "materialise")!.records_out > 0);
  } finally {
    kv.close();
  }
});
