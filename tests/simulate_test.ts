import fc from "fast-check";
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { quarantined, WRITE_KEY } from "./ingest_fixtures.ts";
import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { committerFor } from "../pipeline/ingest/committer.ts";
import { runAllJobs } from "../pipeline/jobs/mod.ts";
import { readEventKpis } from "../pipeline/read/mod.ts";
import { dayNumber } from "../tasks/generate/calendar.ts";
import { parseArgs, parseDuration } from "../tasks/simulate/options.ts";
import { createPacer, tryTake } from "../tasks/simulate/pacer.ts";
import { createTraffic, type SimEvent } from "../tasks/simulate/traffic.ts";
import { simulate, type SimulateProgress } from "../tasks/simulate/mod.ts";
import type { DeliveryError } from "../sdk/mod.ts";

const STEPS = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"];
const noEnv = () => undefined;

/** The funnel of the spec, counted from what the simulator handed to the SDK. */
function funnelOf(events: SimEvent[]): number[] {
  const steps = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type !== "track") continue;
    const person = e.userId ?? e.anonymousId;
    if (!steps.has(person)) steps.set(person, new Set());
    steps.get(person)!.add(e.event!);
  }
  return STEPS.map((_, k) =>
    [...steps.values()].filter((s) => STEPS.slice(0, k + 1).every((n) => s.has(n))).length
  );
}

Deno.test("parseArgs() applies the defaults and takes the write key from WRITE_KEY", () => {
  const o = parseArgs([], (name) => name === "WRITE_KEY" ? "wk_env" : undefined);
  assertEquals(
    [o.rate, o.host, o.writeKey, o.durationMs, o.events, o.persons, o.seed],
    [50, "http://127.0.0.1:8000", "wk_env", 60_000, undefined, 500, 7],
  );
});

Deno.test("parseArgs() reads every flag, in both spellings, and prefers --write-key", () => {
  const o = parseArgs(
    [
      "--rate=12.5",
      "--host",
      "https://pipe.example.com/",
      "--write-key",
      "wk_flag",
      "--events",
      "300",
      "--persons=40",
      "--seed",
      "9",
      "--every",
      "500ms",
    ],
    () => "wk_env",
  );
  assertEquals(
    [o.rate, o.host, o.writeKey, o.events, o.durationMs, o.persons, o.seed, o.everyMs],
    [12.5, "https://pipe.example.com", "wk_flag", 300, undefined, 40, 9, 500],
  );
});

Deno.test("parseArgs() refuses bad values with a message naming them", () => {
  const bad: [string[], string][] = [
    [["--rate", "0"], `"--rate"`],
    [["--rate", "fast"], `"fast"`],
    [["--host", "ftp://x"], `"ftp://x"`],
    [["--events", "2.5"], `"2.5"`],
    [["--persons", "0"], `"--persons"`],
    [["--duration", "soon"], `"soon"`],
    [["--colour", "red"], `"--colour"`],
    [["--rate"], "needs a value"],
    [["rate"], `"rate"`],
  ];
  for (const [args, part] of bad) {
    assertThrows(() => parseArgs(["--write-key", "k", ...args], noEnv), RangeError, part);
  }
  assertThrows(() => parseArgs([], noEnv), RangeError, "WRITE_KEY");
});

Deno.test("parseDuration() reads ms, s, m and h, a bare number being seconds", () => {
  assertEquals(
    ["1500ms", "90", "90s", "1.5m", "2h"].map(parseDuration),
    [1500, 90_000, 90_000, 90_000, 7_200_000],
  );
});

Deno.test("tryTake() never hands out more than 1 + rate × elapsed tokens, nor a burst over 100 ms", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.1, max: 5000, noNaN: true }),
      fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { maxLength: 200 }),
      (rate, gaps) => {
        const pacer = createPacer(rate, 0);
        let now = 0, taken = 0;
        for (const gap of gaps) {
          now += gap;
          let atOnce = 0;
          while (tryTake(pacer, now)) atOnce++;
          taken += atOnce;
          if (taken > 1 + (rate * now) / 1000 + 1e-6) return false;
          if (atOnce > Math.max(1, Math.ceil(rate / 10))) return false;
        }
        return true;
      },
    ),
  );
});

Deno.test("createTraffic() is seeded, keeps money as decimal text and walks the funnel in order", () => {
  const opts = { seed: 7, persons: 200, startDay: dayNumber("2026-11-23"), orderTag: "7-t" };
  const a = createTraffic(opts), b = createTraffic(opts);
  const events = Array.from({ length: 2000 }, () => a.next());
  assertEquals(Array.from({ length: 2000 }, () => b.next()), events);
  assert(a.day() > opts.startDay, "2,000 events of 200 persons span several model days");

  const reached = new Map<string, number>();
  for (const e of events) {
    assert(e.context.library === undefined, "the SDK names its own library");
    if (e.type !== "track" || !STEPS.includes(e.event!)) continue;
    for (const p of [e.properties!, ...((e.properties!.products ?? []) as object[])]) {
      for (const key of ["price", "revenue", "value"]) {
        const v = (p as Record<string, unknown>)[key];
        assert(v === undefined || /^\d+\.\d{2,4}$/.test(String(v)), `${key} "${v}"`);
        assert(v === undefined || typeof v === "string", `${key} is decimal text`);
      }
    }
    const person = e.userId ?? e.anonymousId;
    const step = STEPS.indexOf(e.event!);
    if (e.event === "Order Completed") {
      assertEquals(reached.get(person), 2, "Order Completed right after Checkout Started");
      assert(/^ORD-7-t-\d{7}$/.test(String(e.properties!.order_id)), "order id of the run");
    }
    reached.set(person, step);
  }
  const funnel = funnelOf(events);
  assert(funnel[3] > 0, `funnel ${funnel}`);
});

Deno.test("simulate() sends paced SDK traffic that the real app accepts exactly once", async () => {
  const kv = await Deno.openKv(":memory:");
  const config = testConfig();
  const app = createApp({ kv, config });
  const batchSizes: number[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    if (new URL(req.url).pathname === "/v1/batch") {
      batchSizes.push((JSON.parse(await req.clone().text()) as { batch: unknown[] }).batch.length);
    }
    return app.fetch(req);
  });
  try {
    const rate = 300, events = 300, flushAt = 20;
    const sent: SimEvent[] = [];
    const snapshots: SimulateProgress[] = [];
    const errors: DeliveryError[] = [];
    const summary = await simulate({
      host: `http://127.0.0.1:${server.addr.port}`,
      writeKey: WRITE_KEY,
      rate,
      events,
      persons: 300,
      seed: 7,
      modelStart: "2026-11-23",
      orderTag: "7-test",
      flushAt,
      // Only full batches until the final flush, so the request count is exact.
      flushIntervalMs: 60_000,
      progressEveryMs: 50,
      onProgress: (p) => snapshots.push(p),
      onEvent: (e) => sent.push(e),
      onError: (e) => errors.push(e),
    });

    assertEquals(errors, []);
    assertEquals(summary.stoppedBy, "events");
    assertEquals(sent.length, events);
    assertEquals(
      [summary.sent, summary.acked, summary.accepted, summary.duplicates, summary.quarantined],
      [events, events, events, 0, 0],
    );
    assertEquals([summary.dropped, summary.failedRequests], [0, 0]);
    // Pacing, by counts: SDK batches of exactly `flushAt` (the last one excepted), one request
    // each, the same ones the server saw; never ahead of the token schedule at any snapshot.
    const full = Math.floor(events / flushAt);
    const expectedSizes = [
      ...Array(full).fill(flushAt),
      ...(events % flushAt ? [events % flushAt] : []),
    ];
    assertEquals(batchSizes, expectedSizes);
    assertEquals([summary.requests, summary.batches], [batchSizes.length, batchSizes.length]);
    assert(summary.pacing.maxAhead <= 1 + 1e-6, `ahead by ${summary.pacing.maxAhead}`);
    for (const s of snapshots) {
      assert(s.sent <= 1 + (rate * s.elapsedMs) / 1000, `${s.sent} sent at ${s.elapsedMs} ms`);
    }
    const mid = snapshots.filter((s) => !s.flushing);
    assert(mid.length >= 2, `${mid.length} progress snapshots while sending`);
    assert(mid.some((s) => s.sent > 0 && s.sent < events), "events were spread over time");
    assert(
      summary.sent / (summary.elapsedMs / 1000) >= rate / 5,
      `average ${summary.sent / (summary.elapsedMs / 1000)}/s for ${rate}/s`,
    );

    await committerFor(kv).idle();
    const run = await runAllJobs(kv, config);
    assert(run.drained, "pipeline drained");
    assertEquals(await quarantined(kv), []);
    const kpis = await readEventKpis(kv, "all");
    assertEquals(kpis.events, events);
    assertEquals(kpis.persons, summary.persons);
    assertEquals(kpis.page_views, summary.byEvent.page);
    assertEquals(kpis.funnel.steps, STEPS);
    assertEquals(kpis.funnel.reached, funnelOf(sent));
    for (let k = 1; k < 4; k++) {
      assert(kpis.funnel.reached[k] <= kpis.funnel.reached[k - 1], `funnel ${kpis.funnel.reached}`);
    }
    assert(kpis.funnel.reached[0] > 0, `funnel ${kpis.funnel.reached}`);
  } finally {
    await server.shutdown();
    await committerFor(kv).idle();
    kv.close();
  }
});
