/**
 * File-upload benchmarks (docs/ingest.md, "Performance"): orders CSV rows/s
 * for a generated 1M-line file and its peak RSS growth against a 100k-line
 * file; inventory XLSX rows/s for a 50k-row workbook; the CSV parser against
 * uDSV on the same text.
 *
 * Every upload runs in a fresh child process (this file with `--child`), so
 * RSS does not carry over from writing the files or from another upload, and
 * each figure is the median of three such runs, interleaved: a single sample
 * of peak RSS moved by tens of MiB between identical runs.
 *
 * @module
 */

import * as XLSX from "xlsx";
import { inferSchema, initParser } from "udsv";
import type { BenchResult } from "./types.ts";
import { medianOf } from "./stats.ts";
import { AUTH, benchConfig, MiB, serving, withFileKv, withPeakMemory } from "./ingest_common.ts";
import { INVENTORY_FIELD_ORDER } from "../pipeline/contracts/inventory.ts";
import { createApp } from "../routes/app.ts";
import { CsvParser } from "../pipeline/ingest/csv.ts";

/** Child processes per figure (their median is reported). */
const RUNS = 3;

type Kind = "csv" | "xlsx";

/** What a child reports for one upload. */
interface ChildReport {
  seconds: number;
  rows: number;
  /** RSS after start-up and a full GC, before the upload, bytes. */
  rssStart: number;
  /** Highest RSS sampled during the upload, bytes. */
  rssPeak: number;
}

const CSV_HEADER =
  "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,currency,discount,status,country,channel\n";

/** Writes an orders CSV of `lines` data rows (a few quoted fields, a few bad rows). */
export async function writeOrdersCsv(path: string, lines: number): Promise<number> {
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

/** Writes an inventory workbook of `rows` data rows. */
async function writeInventoryWorkbook(path: string, rows: number): Promise<void> {
  const aoa: unknown[][] = [[...INVENTORY_FIELD_ORDER]];
  for (let i = 0; i < rows; i++) {
    aoa.push([`SKU-${i}`, `Product ${i}`, `Category ${i % 40}`, `W${i % 3}`, i % 500, 20, 3.25]);
  }
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(aoa), "inventory");
  await Deno.writeFile(
    path,
    new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx" }) as ArrayBuffer),
  );
}

/** Uploads one file to a fresh server and KV file in this process; prints a {@link ChildReport}. */
async function child(kind: Kind, path: string): Promise<void> {
  // Read the workbook before the baseline: the request body is the client's
  // memory, not the server's work.
  const body = kind === "xlsx" ? await Deno.readFile(path) : undefined;
  const report = await withFileKv(async (kv) => {
    const app = createApp({ kv, config: benchConfig() });
    return await serving(app.fetch, async (base) => {
      (globalThis as { gc?: () => void }).gc?.();
      const rssStart = Deno.memoryUsage().rss;
      const started = performance.now();
      const { result: answer, peakMiB } = await withPeakMemory(async () => {
        const res = await fetch(
          kind === "csv"
            ? `${base}/v1/uploads/orders?date=2026-11-20`
            : `${base}/v1/uploads/inventory?week=2026-11-23`,
          {
            method: "POST",
            headers: {
              authorization: AUTH,
              "content-type": kind === "csv"
                ? "text/csv"
                : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            },
            body: body ?? (await Deno.open(path, { read: true })).readable,
          },
        );
        const answer = await res.json();
        if (res.status !== 200) {
          throw new Error(`Upload failed: ${res.status} ${JSON.stringify(answer)}`);
        }
        return answer as { rows: number };
      });
      const seconds = (performance.now() - started) / 1000;
      return { seconds, rows: answer.rows, rssStart, rssPeak: peakMiB * MiB };
    });
  });
  console.log(JSON.stringify(report));
}

async function measure(kind: Kind, path: string): Promise<ChildReport> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      new URL("../deno.json", import.meta.url).pathname,
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      "--child",
      kind,
      path,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `Ingest bench child "${kind}" failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

/** The median time and the median RSS growth (MiB) of several runs of one upload. */
function median(reports: ChildReport[]): { seconds: number; rows: number; growthMiB: number } {
  return {
    seconds: medianOf(reports.map((r) => r.seconds)),
    rows: reports[0].rows,
    growthMiB: medianOf(reports.map((r) => (r.rssPeak - r.rssStart) / MiB)),
  };
}

/** Parses the same CSV text with this project's parser and with uDSV (rows/s each). */
async function compareParsers(path: string): Promise<{ ours: number; udsv: number }> {
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
}

/**
 * Runs the file-upload benchmarks (about four minutes on an idle machine:
 * three 1M-line uploads dominate).
 *
 * @example
 * ```ts
 * for (const r of await benchIngestFiles()) console.log(r.name, r.value, r.unit);
 * ```
 */
export async function benchIngestFiles(): Promise<BenchResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "ingest_files_bench_" });
  try {
    const small = `${dir}/orders_100k.csv`;
    const big = `${dir}/orders_1m.csv`;
    const workbook = `${dir}/inventory_50k.xlsx`;
    await writeOrdersCsv(small, 100_000);
    await writeOrdersCsv(big, 1_000_000);
    await writeInventoryWorkbook(workbook, 50_000);
    const runs = {
      small: [] as ChildReport[],
      big: [] as ChildReport[],
      xlsx: [] as ChildReport[],
    };
    for (let run = 0; run < RUNS; run++) {
      runs.small.push(await measure("csv", small));
      runs.big.push(await measure("csv", big));
      runs.xlsx.push(await measure("xlsx", workbook));
    }
    const s = median(runs.small);
    const b = median(runs.big);
    const x = median(runs.xlsx);
    const parsers = await compareParsers(big);
    return [
      {
        name: `orders CSV, 1M lines: time (median of ${RUNS})`,
        value: b.seconds,
        unit: "s",
        target: "≤ 60 s",
        met: b.seconds <= 60,
      },
      { name: "orders CSV, 1M lines", value: b.rows / b.seconds, unit: "rows/s" },
      {
        name: `orders CSV peak RSS growth: 1M lines vs 100k lines (medians of ${RUNS})`,
        value: b.growthMiB,
        unit: "MiB",
        baseline: s.growthMiB,
        ratio: b.growthMiB / Math.max(1, s.growthMiB),
        target: "independent of file size",
        met: b.growthMiB <= Math.max(s.growthMiB * 2, s.growthMiB + 64),
      },
      {
        name: `inventory XLSX, 50k rows: time (median of ${RUNS})`,
        value: x.seconds,
        unit: "s",
        target: "≤ 5 s",
        met: x.seconds <= 5,
      },
      { name: "inventory XLSX, 50k rows", value: x.rows / x.seconds, unit: "rows/s" },
      { name: "inventory XLSX, 50k rows: peak RSS growth", value: x.growthMiB, unit: "MiB" },
      {
        name: "CSV parser vs uDSV (same text, no validation)",
        value: parsers.ours,
        unit: "rows/s",
        baseline: parsers.udsv,
        ratio: parsers.ours / parsers.udsv,
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") await child(Deno.args[1] as Kind, Deno.args[2]);
  else for (const r of await benchIngestFiles()) console.log(JSON.stringify(r));
}
