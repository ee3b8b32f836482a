/**
 * Export benchmark: streams `silver/order_lines` of 100k and 1M rows (orders
 * of three lines, one block each) in each format and reports rows/s against
 * a raw KV listing of the same blocks
 * (measured just before, in the same conditions), and the peak RSS growth of
 * 1M rows against 100k: flat means the export adds nothing that grows with
 * the row count beyond what the raw listing itself does (SQLite page cache,
 * V8 heap sizing, both plateauing).
 *
 * Every measurement runs in a fresh child process (this file with `--child`),
 * so RSS figures do not carry over from seeding or from another measurement;
 * each figure is the median of three such runs, interleaved.
 * `EXPORT_BENCH_ROWS=20000,200000` overrides the two sizes.
 *
 * @module
 */

import { medianOf } from "./stats.ts";
import type { BenchResult } from "./types.ts";
import { silverOrderBlock, silverOrderBlocksAll } from "../kv/keys.ts";
import { exportStream, findTable } from "../pipeline/export/mod.ts";
import type { ExportFormat } from "../pipeline/export/mod.ts";

type Mode = "list" | ExportFormat;

/** What a child reports for one measurement. */
interface ChildReport {
  rows: number;
  bytes: number;
  ms: number;
  /** RSS after warm-up and GC, before the measured export, bytes. */
  rssStart: number;
  /** Highest RSS sampled during the export, bytes. */
  rssPeak: number;
}

const MIB = 1024 * 1024;

function sizes(): [number, number] {
  const raw = Deno.env.get("EXPORT_BENCH_ROWS");
  if (!raw) return [100_000, 1_000_000];
  const [a, b] = raw.split(",").map((s) => Number(s.trim()));
  if (!Number.isInteger(a) || !Number.isInteger(b) || a <= 0 || b <= a) {
    throw new Error(`EXPORT_BENCH_ROWS "${raw}" is not two increasing row counts`);
  }
  return [a, b];
}

/** A realistic current order line (pipeline/silver/orders.ts `SilverLine`). */
function lineOf(i: number): unknown {
  const orderId = `o-${String(Math.floor(i / 3)).padStart(9, "0")}`;
  const lineNo = (i % 3) + 1;
  return {
    line: {
      orderId,
      lineNo,
      customerId: `c-${i % 50_000}`,
      orderTs: Date.UTC(2026, 0, 1) + i * 37_000,
      sku: `SKU-${i % 2_000}`,
      quantity: 1 + (i % 5),
      unitPrice: `${10 + (i % 90)}.${i % 100}`,
      currency: ["USD", "EUR", "GBP"][i % 3],
      discount: i % 10 === 0 ? "1.5" : "0",
      status: i % 17 === 0 ? "refunded" : "placed",
      country: i % 11 === 0 ? undefined : "DE",
      channel: ["web", "app", "marketplace"][i % 3],
    },
    version: { date: "2026-11-25", upload: 1 + Math.floor(i / 10_000), row: 1 + (i % 10_000) },
    cents: 1_000 + (i % 9_000) * 3,
  };
}

async function seed(path: string, rows: number): Promise<void> {
  const kv = await Deno.openKv(path);
  try {
    // Orders of three lines, one block each, as apply_orders stores them.
    for (let i = 0; i < rows; i += 600) {
      const op = kv.atomic();
      const blocks = new Map<string, Record<string, unknown>>();
      for (let j = i; j < Math.min(rows, i + 600); j++) {
        const v = lineOf(j) as { line: { orderId: string; lineNo: number } };
        const lines = blocks.get(v.line.orderId) ?? {};
        lines[String(v.line.lineNo)] = v;
        blocks.set(v.line.orderId, lines);
      }
      for (const [orderId, lines] of blocks) op.set(silverOrderBlock(orderId, 0), { lines });
      const res = await op.commit();
      if (!res.ok) throw new Error(`Seeding commit at row ${i} failed`);
    }
  } finally {
    kv.close();
  }
}

/** Rows of a warm-up run, before the measured one. */
const WARM_UP_ROWS = 20_000;

async function runMode(kv: Deno.Kv, mode: Mode, warmUp = false): Promise<[number, number]> {
  const table = findTable("silver", "order_lines")!;
  if (mode === "list") {
    // The blocks as listed, and their lines counted: no cells, no encoding.
    let rows = 0;
    const limit = warmUp ? Math.ceil(WARM_UP_ROWS / 3) : undefined;
    const blocks = kv.list<{ lines: object }>({ prefix: silverOrderBlocksAll() }, {
      batchSize: 500,
      limit,
    });
    for await (const e of blocks) rows += Object.keys(e.value.lines).length;
    return [rows, 0];
  }
  // A chunk is one batch of 500 rows, or one Parquet row group of 10,000.
  const warmUpChunks = mode === "parquet" ? 2 : WARM_UP_ROWS / 500 + 1;
  let bytes = 0;
  let chunks = 0;
  const reader = exportStream(kv, table, mode).getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (warmUp && ++chunks >= warmUpChunks) {
      await reader.cancel();
      break;
    }
  }
  return [0, bytes];
}

/** Child process: one measurement, reported as JSON on stdout. */
async function child(path: string, mode: Mode, rows: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const kv = await Deno.openKv(path);
  try {
    // Warm up code paths and KV handles so the baseline is steady state.
    await runMode(kv, mode, true);
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
    gc?.();
    const rssStart = Deno.memoryUsage().rss;
    let rssPeak = rssStart;
    const timer = setInterval(() => {
      rssPeak = Math.max(rssPeak, Deno.memoryUsage().rss);
    }, 20);
    const t0 = performance.now();
    const [listed, bytes] = await runMode(kv, mode);
    const ms = performance.now() - t0;
    clearInterval(timer);
    rssPeak = Math.max(rssPeak, Deno.memoryUsage().rss);
    const report: ChildReport = {
      rows: mode === "list" ? listed : rows,
      bytes,
      ms,
      rssStart,
      rssPeak,
    };
    console.log(JSON.stringify(report));
  } finally {
    kv.close();
  }
}

/** Child processes per figure (their median is reported). */
const RUNS = 3;

/** The median time and the median RSS growth of several runs of one measurement. */
function medianReport(reports: ChildReport[]): ChildReport {
  return {
    rows: reports[0].rows,
    bytes: reports[0].bytes,
    ms: medianOf(reports.map((r) => r.ms)),
    rssStart: 0,
    rssPeak: medianOf(reports.map((r) => r.rssPeak - r.rssStart)),
  };
}

async function measure(path: string, mode: Mode, rows: number): Promise<ChildReport> {
  const config = new URL("../deno.json", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      config,
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      "--child",
      path,
      mode,
      String(rows),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(
      `Export bench child "${mode}" failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
  return JSON.parse(text.split("\n").at(-1)!) as ChildReport;
}

/**
 * Runs the export benchmark (six to eight minutes at the default sizes on an idle machine:
 * every figure is the median of three child processes).
 *
 * @example
 * ```ts
 * for (const r of await benchExport()) console.log(r.name, r.value, r.unit);
 * ```
 */
export async function benchExport(): Promise<BenchResult[]> {
  const [small, large] = sizes();
  const dir = await Deno.makeTempDir({ prefix: "export_bench_" });
  try {
    const paths = { [small]: `${dir}/small.kv`, [large]: `${dir}/large.kv` };
    await seed(paths[small], small);
    await seed(paths[large], large);
    // Each format is measured right after its own raw listing, so a change of
    // machine load between measurements does not skew the ratio.
    // Peak RSS moves by tens of MiB between identical runs (when V8 happens to
    // grow its heap), so every figure is the median of RUNS child processes.
    const runs = new Map<string, ChildReport[]>();
    const add = (key: string, r: ChildReport) => runs.set(key, [...(runs.get(key) ?? []), r]);
    for (let run = 0; run < RUNS; run++) {
      for (const rows of [small, large]) {
        for (const mode of ["csv", "ndjson", "parquet"] as const) {
          add(`list-${mode}:${rows}`, await measure(paths[rows], "list", rows));
          add(`${mode}:${rows}`, await measure(paths[rows], mode, rows));
        }
      }
    }
    const reports = new Map([...runs].map(([key, rs]) => [key, medianReport(rs)]));
    const label = (n: number) => n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1_000}k`;
    const rate = (r: ChildReport) => r.rows / (r.ms / 1000);
    const growth = (r: ChildReport) => (r.rssPeak - r.rssStart) / MIB;
    const at = (key: string) => reports.get(key)!;
    const results: BenchResult[] = [];
    for (const mode of ["csv", "ndjson", "parquet"] as const) {
      const r = at(`${mode}:${large}`);
      const list = at(`list-${mode}:${large}`);
      const ratio = rate(r) / rate(list);
      results.push({
        name: `export ${mode}: ${label(large)} order lines (${(r.bytes / MIB).toFixed(0)} MiB)`,
        value: rate(r),
        unit: "rows/s",
        baseline: rate(list),
        ratio,
        target: "≥ 0.5× raw KV listing of the same rows",
        met: ratio >= 0.5,
      });
    }
    for (const mode of ["csv", "ndjson", "parquet"] as const) {
      const big = growth(at(`${mode}:${large}`));
      const base = growth(at(`${mode}:${small}`));
      // The raw listing's own growth (SQLite page cache, V8 heap sizing) until it plateaus.
      const listDelta = growth(at(`list-${mode}:${large}`)) - growth(at(`list-${mode}:${small}`));
      results.push({
        name: `export ${mode}: peak RSS growth at ${label(large)} rows (baseline: at ${
          label(small)
        }; raw listing grew ${listDelta.toFixed(0)} MiB more)`,
        value: big,
        unit: "MiB",
        baseline: base,
        ratio: base > 0 ? big / base : undefined,
        target: "flat: grows ≤ 16 MiB more than the raw listing does from 100k to 1M",
        met: big - base <= Math.max(0, listDelta) + 16,
      });
    }
    return results;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") {
    await child(Deno.args[1], Deno.args[2] as Mode, Number(Deno.args[3]));
  } else {
    for (const r of await benchExport()) {
      console.log(
        `${r.name}: ${r.value.toFixed(1)} ${r.unit}` +
          (r.baseline === undefined
            ? ""
            : ` (baseline ${r.baseline.toFixed(1)}, ratio ${r.ratio?.toFixed(2)})`) +
          (r.met === undefined ? "" : r.met ? " met" : " NOT met"),
      );
    }
  }
}
