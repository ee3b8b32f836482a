/**
 * Ingest benchmarks, each against baselines measured in the same run
 * (docs/ingest.md, "Performance"):
 *
 * - single-event POSTs/s through the real server over loopback, against a
 *   bare `Deno.serve` that parses the JSON and answers, and a naive handler
 *   that does one `kv.set` per event;
 * - events/s in batches of 100;
 * - orders CSV rows/s for a generated 1M-line file, with peak memory, and the
 *   same for 100k lines to show memory does not grow with the file;
 * - inventory XLSX rows/s for a 50k-row workbook, with peak memory;
 * - the CSV parser against uDSV on the same text.
 *
 * Load comes from `bench/ingest_load.ts` in a subprocess, bounded in time.
 * Each server of an event figure runs twice, interleaved (A B C C B A).
 * `INGEST_BENCH_QUICK=1` measures the event figures only.
 *
 * @module
 */

import * as XLSX from "xlsx";
import { inferSchema, initParser } from "udsv";
import type { BenchResult } from "./types.ts";
import type { LoadResult } from "./ingest_load.ts";
import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { committerFor } from "../pipeline/ingest/committer.ts";
import { CsvParser } from "../pipeline/ingest/csv.ts";

const LOAD_MS = 3000;
const CONNECTIONS = 64;
const WRITE_KEY = "bench-write-key";
const AUTH = `Basic ${btoa(`${WRITE_KEY}:`)}`;
const MiB = 1024 * 1024;

function benchConfig() {
  const base = testConfig({ writeKeys: [WRITE_KEY] });
  return {
    ...base,
    limits: { ...base.limits, ratePerSecond: 1e9, rateBurst: 1e9 },
  };
}

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

/** Samples the process's peak RSS while `fn` runs. */
async function withPeakMemory<T>(fn: () => Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peak = Deno.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 25);
  try {
    const result = await fn();
    peak = Math.max(peak, Deno.memoryUsage().rss);
    return { result, peakMiB: peak / MiB };
  } finally {
    clearInterval(timer);
  }
}

type Handler = (req: Request) => Response | Promise<Response>;

async function serving<T>(handler: Handler, fn: (base: string) => Promise<T>): Promise<T> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  try {
    return await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

async function withFileKv<T>(fn: (kv: Deno.Kv, dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "ingest_bench_" });
  const kv = await Deno.openKv(`${dir}/bench.kv`);
  try {
    return await fn(kv, dir);
  } finally {
    await committerFor(kv).idle();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
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

const CSV_HEADER =
  "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,currency,discount,status,country,channel\n";

/** Writes an orders CSV of `lines` data rows (a few quoted fields, a few bad rows). */
async function writeOrdersCsv(path: string, lines: number): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  const statuses = ["placed", "shipped", "delivered", "cancelled", "refunded"];
  try {
    await file.write(enc.encode(CSV_HEADER));
    for (let i = 0; i < lines; i += 10_000) {
      const rows: string[] = [];
      for (let j = i; j < Math.min(lines, i + 10_000); j++) {
        const order = Math.floor(j / 3);
        const price = j % 997 === 0
          ? "12,50"
          : `${(j % 500) + 1}.${String(j % 100).padStart(2, "0")}`;
        const customer = j % 50 === 0 ? `"Customer, ${order % 20000}"` : `C-${order % 20000}`;
        rows.push(
          `O-${order},${(j % 3) + 1},${customer},2026-11-20T${
            String(j % 24).padStart(2, "0")
          }:15:00Z,` +
            `SKU-${j % 3000},${(j % 4) + 1},${price},${j % 7 === 0 ? "EUR" : "USD"},0,` +
            `${statuses[j % 5]},US,web\n`,
        );
      }
      await file.write(enc.encode(rows.join("")));
    }
  } finally {
    file.close();
  }
  return (await Deno.stat(path)).size;
}

async function uploadCsv(base: string, path: string): Promise<Record<string, number>> {
  const file = await Deno.open(path, { read: true });
  const res = await fetch(`${base}/v1/uploads/orders?date=2026-11-20`, {
    method: "POST",
    headers: { authorization: AUTH, "content-type": "text/csv" },
    body: file.readable,
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`Upload failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function measureCsv(
  lines: number,
): Promise<{ seconds: number; rows: number; peakMiB: number }> {
  return await withFileKv(async (kv, dir) => {
    const path = `${dir}/orders_${lines}.csv`;
    await writeOrdersCsv(path, lines);
    const app = createApp({ kv, config: benchConfig() });
    return await serving(app.fetch, async (base) => {
      const before = Deno.memoryUsage().rss / MiB;
      const started = performance.now();
      const { result, peakMiB } = await withPeakMemory(() => uploadCsv(base, path));
      const seconds = (performance.now() - started) / 1000;
      return { seconds, rows: result.rows, peakMiB: peakMiB - before };
    });
  });
}

function inventoryWorkbook(rows: number): Uint8Array<ArrayBuffer> {
  const aoa: unknown[][] = [[
    "sku",
    "product_name",
    "category",
    "warehouse",
    "on_hand",
    "reorder_point",
    "unit_cost",
  ]];
  for (let i = 0; i < rows; i++) {
    aoa.push([`SKU-${i}`, `Product ${i}`, `Category ${i % 40}`, `W${i % 3}`, i % 500, 20, 3.25]);
  }
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(aoa), "inventory");
  return new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx" }) as ArrayBuffer);
}

async function measureXlsx(
  rows: number,
): Promise<{ seconds: number; rows: number; peakMiB: number }> {
  const bytes = inventoryWorkbook(rows);
  return await withFileKv(async (kv) => {
    const app = createApp({ kv, config: benchConfig() });
    return await serving(app.fetch, async (base) => {
      const before = Deno.memoryUsage().rss / MiB;
      const started = performance.now();
      const { result, peakMiB } = await withPeakMemory(async () => {
        const res = await fetch(`${base}/v1/uploads/inventory?week=2026-11-23`, {
          method: "POST",
          headers: {
            authorization: AUTH,
            "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          },
          body: bytes as Uint8Array<ArrayBuffer>,
        });
        const body = await res.json();
        if (res.status !== 200) throw new Error(`Upload failed: ${JSON.stringify(body)}`);
        return body;
      });
      return {
        seconds: (performance.now() - started) / 1000,
        rows: result.rows,
        peakMiB: peakMiB - before,
      };
    });
  });
}

/** Parses the same CSV text with this project's parser and with uDSV (rows/s each). */
async function compareParsers(lines: number): Promise<{ ours: number; udsv: number }> {
  const dir = await Deno.makeTempDir({ prefix: "ingest_bench_" });
  try {
    const path = `${dir}/parse.csv`;
    await writeOrdersCsv(path, lines);
    const text = await Deno.readTextFile(path);
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 64 * 1024) chunks.push(text.slice(i, i + 64 * 1024));
    let t = performance.now();
    const parser = new CsvParser({ maxRecordChars: 32 * 1024, keepChars: 1024 });
    let ours = 0;
    for (const c of chunks) ours += parser.push(c).length;
    ours += parser.end().length;
    const oursRate = ours / ((performance.now() - t) / 1000);
    t = performance.now();
    let theirs = 0;
    const u = initParser(inferSchema(chunks[0]));
    const count = () => {
      theirs++;
      return true;
    };
    // Default parse is stringArrs; the callback counts rows instead of keeping them.
    for (const c of chunks) u.chunk<string[]>(c, undefined, count);
    u.end();
    const theirRate = theirs / ((performance.now() - t) / 1000);
    return { ours: oursRate, udsv: theirRate };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Runs every ingest benchmark once (about two and a half minutes).
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
  if (quick) return results;

  const small = await measureCsv(100_000);
  const big = await measureCsv(1_000_000);
  results.push({
    name: "orders CSV, 1M lines: time",
    value: big.seconds,
    unit: "s",
    target: "≤ 60 s",
    met: big.seconds <= 60,
  });
  results.push({ name: "orders CSV, 1M lines", value: big.rows / big.seconds, unit: "rows/s" });
  results.push({
    name: "orders CSV peak RSS growth: 1M lines vs 100k lines",
    value: big.peakMiB,
    unit: "MiB",
    baseline: small.peakMiB,
    ratio: big.peakMiB / Math.max(1, small.peakMiB),
    target: "independent of file size",
    met: big.peakMiB <= Math.max(small.peakMiB * 2, small.peakMiB + 64),
  });

  const xlsx = await measureXlsx(50_000);
  results.push({
    name: "inventory XLSX, 50k rows: time",
    value: xlsx.seconds,
    unit: "s",
    target: "≤ 5 s",
    met: xlsx.seconds <= 5,
  });
  results.push({
    name: "inventory XLSX, 50k rows",
    value: xlsx.rows / xlsx.seconds,
    unit: "rows/s",
  });
  results.push({
    name: "inventory XLSX, 50k rows: peak RSS growth",
    value: xlsx.peakMiB,
    unit: "MiB",
  });

  const parsers = await compareParsers(1_000_000);
  results.push({
    name: "CSV parser vs uDSV (same text, no validation)",
    value: parsers.ours,
    unit: "rows/s",
    baseline: parsers.udsv,
    ratio: parsers.ours / parsers.udsv,
  });
  return results;
}

if (import.meta.main) {
  for (const r of await benchIngest()) console.log(JSON.stringify(r));
}
