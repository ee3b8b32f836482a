/**
 * Ingest benchmarks, each against baselines measured in the same run
 * (docs/ingest.md, "Performance"):
 *
 * - single-event POSTs/s through the real server over loopback, against a
 *   bare `Deno.serve` that parses the JSON and answers, and a naive handler
 *   that does one `kv.set` per event;
 * - events/s in batches of 100;
 * - the file uploads of `ingest_files_bench.ts` (orders CSV, inventory XLSX,
 *   the CSV parser against uDSV).
 *
 * Load comes from `bench/ingest_load.ts` in a subprocess, bounded in time.
 * Each server of an event figure runs twice, interleaved (A B C C B A).
 * `INGEST_BENCH_QUICK=1` measures the event figures only.
 *
 * @module
 */

import type { BenchResult } from "./types.ts";
import type { LoadResult } from "./ingest_load.ts";
import { benchIngestFiles } from "./ingest_files_bench.ts";
import type { Handler } from "./ingest_common.ts";
import { AUTH, benchConfig, serving, withFileKv, withPeakMemory } from "./ingest_common.ts";
import { createApp } from "../routes/app.ts";
import { prepareEvent } from "../pipeline/ingest/events.ts";
import {
  DEDUP_WINDOW_MS,
  DEFAULT_COMMITTER_OPTIONS,
  type EventCommitItem,
} from "../pipeline/ingest/committer.ts";
import { bronzeEvent, metaEventDedup } from "../kv/keys.ts";
import { oldestFirstId, shardOf } from "../kv/ids.ts";

const LOAD_MS = 3000;
const CONNECTIONS = 64;

/** Runs the load generator subprocess against `url`. */
async function load(url: string, eventsPerRequest: number, ms = LOAD_MS): Promise<LoadResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./ingest_load.ts", import.meta.url).pathname,
      url,
      String(ms),
      String(CONNECTIONS),
      String(eventsPerRequest),
      AUTH,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
  return JSON.parse(text);
}

const ok = () =>
  new Response('{"success":true}', { headers: { "content-type": "application/json" } });

/** The bare baseline: parse the JSON and answer. */
const bareHandler: Handler = async (req) => {
  await req.json();
  return ok();
};

/** The naive baseline: one `kv.set` (one commit) per event. */
function naiveHandler(kv: Deno.Kv): Handler {
  return async (req) => {
    const body = await req.json();
    const events = Array.isArray(body.batch) ? body.batch : [body];
    for (const e of events) await kv.set(["naive", String(e.messageId)], e);
    return ok();
  };
}

/** Adds up load runs of one server (their requests, events and seconds). */
function sum(runs: LoadResult[]): LoadResult {
  return runs.reduce((a, r) => ({
    requests: a.requests + r.requests,
    events: a.events + r.events,
    seconds: a.seconds + r.seconds,
    errors: a.errors + r.errors,
  }));
}

/**
 * Each server is measured twice, in the order A B C C B A, and its runs are
 * added up: on a shared machine the load drifts during a benchmark, and this
 * order gives every server the same share of early and late runs.
 */
async function measureEvents(perRequest: number): Promise<{
  ours: LoadResult;
  bare: LoadResult;
  naive?: LoadResult;
  peakMiB: number;
}> {
  const path = perRequest === 1 ? "/v1/track" : "/v1/batch";
  const bare = () => serving(bareHandler, (base) => load(`${base}/v1/batch`, perRequest));
  const naive = () =>
    withFileKv((kv) => serving(naiveHandler(kv), (base) => load(`${base}/v1/track`, perRequest)));
  let peakMiB = 0;
  const ours = async () => {
    const { result, peakMiB: peak } = await withFileKv((kv) =>
      withPeakMemory(() =>
        serving(
          createApp({ kv, config: benchConfig() }).fetch,
          (base) => load(`${base}${path}`, perRequest),
        )
      )
    );
    peakMiB = Math.max(peakMiB, peak);
    return result;
  };
  const runs: { bare: LoadResult[]; naive: LoadResult[]; ours: LoadResult[] } = {
    bare: [],
    naive: [],
    ours: [],
  };
  const order: ("bare" | "naive" | "ours")[] = perRequest === 1
    ? ["bare", "naive", "ours", "ours", "naive", "bare"]
    : ["bare", "ours", "ours", "bare"];
  for (const which of order) {
    runs[which].push(await (which === "bare" ? bare() : which === "naive" ? naive() : ours()));
  }
  return {
    ours: sum(runs.ours),
    bare: sum(runs.bare),
    naive: runs.naive.length ? sum(runs.naive) : undefined,
    peakMiB,
  };
}

/**
 * The KV floor of batched ingest: only the writes an accepted event needs
 * (check its dedup marker is absent, set the marker for 30 days, set the
 * bronze value), in commits of the group committer's size with as many in
 * flight as it keeps, for the same time as a load run. The events are the
 * load generator's, normalised by the real code before the clock starts: no
 * HTTP, no parsing, no validation, no counters.
 */
async function kvFloor(ms = LOAD_MS): Promise<number> {
  const { maxChecks, maxInFlight } = DEFAULT_COMMITTER_OPTIONS;
  const receivedAt = Date.now();
  const events = Array.from({ length: 20_000 }, (_, n) => {
    const text = `{"type":"track","event":"Product Viewed","messageId":"floor-${n}",` +
      `"userId":"user-${n % 5000}","timestamp":"${new Date(receivedAt).toISOString()}",` +
      `"properties":{"sku":"SKU-${n % 300}","price":19.99,"currency":"USD"}}`;
    const item = prepareEvent(
      { value: JSON.parse(text), text, bytes: text.length, index: 0 },
      { requestId: "floor", receivedAt, historical: false, eventBytes: 32 * 1024 },
      0,
    );
    if (item.kind !== "event") throw new Error(`Floor event ${n} was not accepted`);
    return (item as EventCommitItem).event;
  });
  return await withFileKv(async (kv) => {
    let n = 0;
    const started = performance.now();
    const writer = async () => {
      while (performance.now() - started < ms) {
        const op = kv.atomic();
        for (let i = 0; i < maxChecks; i++, n++) {
          const event = events[n % events.length];
          // A fresh id and marker per write: a reused marker would fail its check.
          const id = oldestFirstId(receivedAt);
          const dedup = metaEventDedup(`${event.messageId}-${n}`);
          op.check({ key: dedup, versionstamp: null });
          op.set(dedup, id, { expireIn: DEDUP_WINDOW_MS });
          op.set(bronzeEvent(shardOf(event.person), id), { ...event, id });
        }
        if (!(await op.commit()).ok) throw new Error("Floor commit failed");
      }
    };
    await Promise.all(Array.from({ length: maxInFlight }, writer));
    return n / ((performance.now() - started) / 1000);
  });
}

/**
 * Runs every ingest benchmark once (about five minutes on an idle machine).
 *
 * @example
 * ```ts
 * for (const r of await benchIngest()) console.log(r.name, r.value, r.unit);
 * ```
 */
export async function benchIngest(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  // INGEST_BENCH_QUICK=1: the event figures only, for iterating on the event path.
  const quick = Deno.env.get("INGEST_BENCH_QUICK") === "1";
  const single = await measureEvents(1);
  const singleRate = single.ours.requests / single.ours.seconds;
  const bareRate = single.bare.requests / single.bare.seconds;
  const naiveRate = single.naive!.requests / single.naive!.seconds;
  results.push({
    name: "single-event POSTs vs bare Deno.serve",
    value: singleRate,
    unit: "req/s",
    baseline: bareRate,
    ratio: singleRate / bareRate,
    target: "≥ 0.5× bare",
    met: singleRate / bareRate >= 0.5,
  });
  results.push({
    name: "single-event POSTs vs naive kv.set per event",
    value: singleRate,
    unit: "req/s",
    baseline: naiveRate,
    ratio: singleRate / naiveRate,
    target: "≥ 5× naive",
    met: singleRate / naiveRate >= 5,
  });
  results.push({ name: "single-event POSTs: peak RSS", value: single.peakMiB, unit: "MiB" });
  const batched = await measureEvents(100);
  const batchedRate = batched.ours.events / batched.ours.seconds;
  const bareBatched = batched.bare.events / batched.bare.seconds;
  results.push({
    name: "events in batches of 100",
    value: batchedRate,
    unit: "events/s",
    baseline: bareBatched,
    ratio: batchedRate / bareBatched,
    target: "≥ 50,000 events/s",
    met: batchedRate >= 50_000,
  });
  results.push({ name: "batches of 100: peak RSS", value: batched.peakMiB, unit: "MiB" });
  const floor = await kvFloor();
  results.push({
    name:
      "events in batches of 100 vs the KV floor (the same commits: marker check and set, bronze set; no HTTP)",
    value: batchedRate,
    unit: "events/s",
    baseline: floor,
    ratio: batchedRate / floor,
  });
  if (quick) return results;

  results.push(...await benchIngestFiles());
  return results;
}

if (import.meta.main) {
  for (const r of await benchIngest()) console.log(JSON.stringify(r));
}
