/**
 * Pipeline benchmark (`deno task bench pipeline`), each figure against a
 * baseline measured in the same run, on KV files in a temporary folder:
 *
 * - bronze → gold throughput of events and of order lines, against raw KV
 *   (listing the same bronze and writing as many keys, in commits of 500):
 *   medians of three runs, each on a fresh copy of one landed store;
 * - the cost of processing one more day after 5 and after 60 days of history
 *   (their ratio: incremental work must not grow with history);
 * - p95 latency of every read endpoint with 90 days of data.
 *
 * `PIPELINE_BENCH_QUICK=1` measures the throughput figures only.
 *
 * @module
 */

import type { BenchResult } from "./types.ts";
import { withCopy } from "./kv_copies.ts";
import { medianOf, percentile } from "./stats.ts";
import {
  BENCH_T0,
  benchDay,
  dayEvents,
  dayLines,
  landBronzeEvents,
  landUpload,
  weekRows,
} from "./pipeline_data.ts";
import { testConfig } from "../config.ts";
import {
  bronzeEventsAll,
  bronzeUploadRows,
  bronzeUploads,
  silverEvent,
  silverOrderLine,
} from "../kv/keys.ts";
import type { CleanEvent } from "../pipeline/contracts/types.ts";
import type { StagedRow } from "../pipeline/ingest/upload_types.ts";
import { applyOrders, cleanEvents, materialise, runAllJobs } from "../pipeline/jobs/mod.ts";
import { createApp } from "../routes/app.ts";

const config = testConfig();

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Raw KV: lists `prefix` and writes one key per entry to `scratch`, 500 per commit. */
async function rawCopy(
  kv: Deno.Kv,
  scratch: Deno.Kv,
  prefix: Deno.KvKey,
  keyOf: (e: Deno.KvEntry<unknown>, i: number) => Deno.KvKey,
): Promise<number> {
  let op = scratch.atomic();
  let n = 0;
  let pending = 0;
  for await (const e of kv.list({ prefix }, { batchSize: 500 })) {
    op.set(keyOf(e, n++), e.value);
    if (++pending === 500) {
      await op.commit();
      op = scratch.atomic();
      pending = 0;
    }
  }
  if (pending) await op.commit();
  return n;
}

/** Throughput runs, each on a fresh copy of the same landed store; figures are their medians. */
const THROUGHPUT_RUNS = 3;

async function throughput(dir: string): Promise<BenchResult[]> {
  // One landed store; each run drains a fresh copy, and the raw baseline lists
  // another copy and writes as many keys into it, 500 per commit.
  const landed = `${dir}/throughput.kv`;
  const events: CleanEvent[] = [];
  for (let d = 0; d < 20; d++) events.push(...dayEvents(d, 1500, 3000));
  const files = Array.from({ length: 20 }, (_, d) => ({
    source: "orders" as const,
    date: benchDay(d),
    lines: dayLines(d, 1000, 2000, 300),
  }));
  {
    const kv = await Deno.openKv(landed);
    await landBronzeEvents(kv, events);
    for (const f of files) await landUpload(kv, f);
    kv.close();
  }
  const times = { runE: [] as number[], runL: [] as number[], matT: [] as number[] };
  const base = { baseE: [] as number[], baseL: [] as number[] };
  for (let i = 0; i < THROUGHPUT_RUNS; i++) {
    await withCopy(landed, `${dir}/run.kv`, async (kv) => {
      times.runE.push(await timed(() => cleanEvents(kv, config)));
      times.runL.push(await timed(() => applyOrders(kv, config)));
      times.matT.push(await timed(() => materialise(kv, config)));
    });
    await withCopy(landed, `${dir}/raw.kv`, async (raw) => {
      base.baseE.push(
        await timed(() =>
          rawCopy(raw, raw, bronzeEventsAll(), (e) => silverEvent(0, e.key[3] as string))
        ),
      );
      base.baseL.push(
        await timed(async () => {
          for await (const u of raw.list({ prefix: bronzeUploads() })) {
            const id = u.key[2] as string;
            await rawCopy(raw, raw, bronzeUploadRows(id), (e) => {
              const line = (e.value as Extract<StagedRow, { kind: "line" }>).line;
              return silverOrderLine(line.orderId, line.lineNo);
            });
          }
        }),
      );
    });
  }
  const [runE, runL, matT] = [medianOf(times.runE), medianOf(times.runL), medianOf(times.matT)];
  const [baseE, baseL] = [medianOf(base.baseE), medianOf(base.baseL)];
  const nE = events.length;
  const nL = files.length * 1000;
  return [
    {
      name: `bronze → silver + gold counters, events (median of ${THROUGHPUT_RUNS})`,
      value: nE / runE,
      unit: "events/s",
      baseline: nE / baseE,
      ratio: baseE / runE,
      target: "≥ 20,000 events/s",
      met: nE / runE >= 20_000,
    },
    {
      name: `staged → silver + gold counters, order lines (median of ${THROUGHPUT_RUNS})`,
      value: nL / runL,
      unit: "lines/s",
      baseline: nL / baseL,
      ratio: baseL / runL,
      target: "≥ 10,000 lines/s",
      met: nL / runL >= 10_000,
    },
    {
      name: `materialise the views of ${nE} events and ${nL} lines`,
      value: matT * 1000,
      unit: "ms",
    },
  ];
}

async function landDay(kv: Deno.Kv, d: number): Promise<void> {
  await landBronzeEvents(kv, dayEvents(d, 1000, 2000));
  await landUpload(kv, { source: "orders", date: benchDay(d), lines: dayLines(d, 300, 1500, 300) });
  if (d % 7 === 0) {
    await landUpload(kv, { source: "inventory", week: benchDay(d), rows: weekRows(300) });
  }
}

/** Samples of one more day per history. */
const SAMPLES = 9;

async function history(dir: string): Promise<BenchResult[]> {
  const kvPath = `${dir}/history.kv`;
  const shortPath = `${dir}/short.kv`;
  {
    const short = await Deno.openKv(shortPath);
    for (let d = 0; d < 5; d++) await landDay(short, d);
    await runAllJobs(short, config);
    short.close();
    const long = await Deno.openKv(kvPath);
    for (let d = 0; d < 60; d++) await landDay(long, d);
    await runAllJobs(long, config);
    long.close();
  }
  // Each sample lands one more day on a fresh copy of a store with exactly 5
  // or 60 days of history. A day takes ~0.2 s, so single samples move by tens
  // of percent with the machine: nine samples per history, alternating so both
  // see the same load, and their medians.
  const oneMoreDay = (path: string, d: number, i: number) =>
    withCopy(path, `${dir}/sample_${i}_${d}.kv`, async (db) => {
      await landDay(db, d);
      return await timed(() => runAllJobs(db, config));
    });
  const after5: number[] = [];
  const after60: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    after5.push(await oneMoreDay(shortPath, 5, i));
    after60.push(await oneMoreDay(kvPath, 60, i));
  }
  const kv = await Deno.openKv(kvPath);
  try {
    for (let d = 60; d < 90; d++) await landDay(kv, d);
    await runAllJobs(kv, config);
    const t5 = medianOf(after5);
    const t60 = medianOf(after60);
    const results: BenchResult[] = [{
      name: `one more day (1,000 events, 300 lines; median of ${SAMPLES}) after 60 days vs after 5`,
      value: t60 * 1000,
      unit: "ms",
      baseline: t5 * 1000,
      ratio: t60 / t5,
      target: "ratio ≤ 1.3",
      met: t60 / t5 <= 1.3,
    }];

    const app = createApp({ kv, config });
    const headers = { authorization: `Bearer ${config.adminToken}` };
    const last = benchDay(89);
    const endpoints: [string, string][] = [
      ["orders all", "/v1/kpis/orders?bucket=all"],
      ["orders day", `/v1/kpis/orders?bucket=${last}`],
      ["events week", "/v1/kpis/events?bucket=2026-W12"],
      ["daily 90 days", `/v1/kpis/daily?from=${benchDay(0)}&to=${last}`],
      ["retention", "/v1/kpis/retention"],
      ["inventory latest", "/v1/kpis/inventory?week=latest"],
    ];
    for (const [label, url] of endpoints) {
      const times: number[] = [];
      for (let i = 0; i < 220; i++) {
        const t = performance.now();
        const res = await app.request(url, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
        if (i >= 20) times.push(performance.now() - t);
      }
      const p95 = percentile(times, 0.95);
      results.push({
        name: `p95 GET ${label} (90 days of data)`,
        value: p95,
        unit: "ms",
        target: "≤ 20 ms",
        met: p95 <= 20,
      });
    }
    return results;
  } finally {
    kv.close();
  }
}

/**
 * Runs the pipeline benchmark.
 *
 * @example
 * ```ts
 * for (const r of await benchPipeline()) console.log(r.name, r.value, r.unit);
 * ```
 */
export async function benchPipeline(): Promise<BenchResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "pipeline_bench_" });
  // PIPELINE_BENCH_QUICK=1: throughput only, for iterating on the jobs.
  const quick = Deno.env.get("PIPELINE_BENCH_QUICK") === "1";
  try {
    return [...await throughput(dir), ...(quick ? [] : await history(dir))];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  void BENCH_T0;
  for (const r of await benchPipeline()) {
    console.log(
      `${r.name}: ${r.value.toFixed(1)} ${r.unit}` +
        (r.baseline !== undefined ? ` (baseline ${r.baseline.toFixed(1)})` : "") +
        (r.ratio !== undefined ? ` ratio ${r.ratio.toFixed(2)}` : "") +
        (r.target ? ` target ${r.target} ${r.met ? "met" : "NOT met"}` : ""),
    );
  }
}
