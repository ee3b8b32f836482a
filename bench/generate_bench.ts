/**
 * Benchmarks of `deno task generate`, each against its baseline in the same run:
 *
 * - throughput: events written per second by the whole generator (orders,
 *   workbooks and the answer key included), against the I/O floor — writing
 *   the same lines, already built, through the same buffered writer;
 * - memory: peak live heap (a full GC before each daily sample) and peak RSS
 *   of the CLI at 10 and at 90 days, which should stay flat.
 *
 * @module
 */

import type { BenchResult } from "./types.ts";
import { generate } from "../tasks/generate/mod.ts";
import { closeSink, openSink, writeText } from "../tasks/generate/sink.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MiB = 1024 * 1024;

async function timeFloor(lines: string[], path: string): Promise<number> {
  const started = performance.now();
  const sink = await openSink(path);
  for (let i = 0; i < lines.length; i += 1024) {
    await writeText(sink, lines.slice(i, i + 1024).join("\n") + "\n");
  }
  await closeSink(sink);
  return (performance.now() - started) / 1000;
}

async function throughput(dir: string): Promise<BenchResult[]> {
  const opts = { seed: 42, days: 14, persons: 20_000, dirty: 0.05, end: "2026-11-24" };
  const started = performance.now();
  const summary = await generate({ ...opts, out: `${dir}/gen` });
  const genSeconds = (performance.now() - started) / 1000;
  const lines = (await Deno.readTextFile(`${dir}/gen/events.ndjson`)).split("\n");
  lines.pop();
  // Best of three: the floor is the cheapest the same bytes can be written.
  let floorSeconds = Infinity;
  for (let i = 0; i < 3; i++) {
    floorSeconds = Math.min(floorSeconds, await timeFloor(lines, `${dir}/floor.ndjson`));
  }
  const rate = summary.eventLines / genSeconds;
  const floorRate = lines.length / floorSeconds;
  const label = `${opts.days} days × ${opts.persons.toLocaleString("en-US")} persons`;
  return [
    {
      name: `generate: events/s, whole run (${label})`,
      value: rate,
      unit: "events/s",
      target: "≥ 200,000 events/s",
      met: rate >= 200_000,
    },
    {
      name: "generate: events/s vs writing the same prebuilt lines (I/O floor)",
      value: rate,
      unit: "events/s",
      baseline: floorRate,
      ratio: floorRate / rate,
      target: "within 3× of the floor (ratio ≤ 3)",
      met: floorRate / rate <= 3,
    },
  ];
}

interface MemoryReport {
  peak_rss_bytes: number;
  peak_heap_bytes: number;
  event_lines: number;
}

async function memoryAt(days: number, dir: string): Promise<MemoryReport> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--v8-flags=--expose-gc",
      "tasks/generate.ts",
      "--seed=42",
      `--days=${days}`,
      "--persons=2000",
      "--end=2026-11-24",
      `--out=${dir}/mem${days}`,
      "--memory-report",
      "--quiet",
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr).trim();
  if (code !== 0) throw new Error(`Generator run of ${days} days failed: ${text}`);
  return JSON.parse(text.split("\n").at(-1)!);
}

async function memory(dir: string): Promise<BenchResult[]> {
  const short = await memoryAt(10, dir);
  const long = await memoryAt(90, dir);
  const heapRatio = long.peak_heap_bytes / short.peak_heap_bytes;
  const rssRatio = long.peak_rss_bytes / short.peak_rss_bytes;
  return [
    {
      name: `generate: peak live heap, 90 days (${long.event_lines} events) vs 10 days`,
      value: long.peak_heap_bytes / MiB,
      unit: "MiB",
      baseline: short.peak_heap_bytes / MiB,
      ratio: heapRatio,
      target: "flat: ≤ 1.25× the 10-day peak",
      met: heapRatio <= 1.25,
    },
    {
      name: "generate: peak RSS, 90 days vs 10 days",
      value: long.peak_rss_bytes / MiB,
      unit: "MiB",
      baseline: short.peak_rss_bytes / MiB,
      ratio: rssRatio,
      target: "flat: ≤ 1.5× the 10-day peak",
      met: rssRatio <= 1.5,
    },
  ];
}

/**
 * Runs the generator benchmarks.
 *
 * @example
 * ```ts
 * for (const r of await benchGenerate()) console.log(r.name, r.value, r.unit);
 * ```
 */
export async function benchGenerate(): Promise<BenchResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "bench_generate_" });
  try {
    return [...(await throughput(dir)), ...(await memory(dir))];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  for (const r of await benchGenerate()) console.log(JSON.stringify(r));
}
