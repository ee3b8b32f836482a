/**
 * Benchmarks of `deno task generate`, each against its baseline in the same run:
 *
 * - throughput: events written per second by the whole generator (orders,
 *   workbooks and the answer key included), against the I/O floor — writing
 *   the same lines, already built, through the same buffered writer — in wall
 *   time and in process CPU time (best of several runs: on a shared machine
 *   other work only ever slows a run down);
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

/** Process CPU seconds (user + system) from /proc, or NaN where there is none. */
function cpuSeconds(): number {
  try {
    const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

interface Timing {
  wall: number;
  cpu: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const wall = performance.now();
  const cpu = cpuSeconds();
  await fn();
  return { wall: (performance.now() - wall) / 1000, cpu: cpuSeconds() - cpu };
}

function best(a: Timing, b: Timing): Timing {
  return { wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) };
}

async function writeFloor(lines: string[], path: string): Promise<void> {
  const sink = await openSink(path);
  for (let i = 0; i < lines.length; i += 1024) {
    await writeText(sink, lines.slice(i, i + 1024).join("\n") + "\n");
  }
  await closeSink(sink);
}

async function throughput(dir: string): Promise<BenchResult[]> {
  const opts = { seed: 42, days: 14, persons: 20_000, dirty: 0.05, end: "2026-11-24" };
  let events = 0;
  // Best of two runs and three floors: other work on the machine only ever slows a run down.
  let gen: Timing = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < 2; i++) {
    gen = best(
      gen,
      await timed(async () => {
        events = (await generate({ ...opts, out: `${dir}/gen` })).eventLines;
      }),
    );
  }
  const lines = (await Deno.readTextFile(`${dir}/gen/events.ndjson`)).split("\n");
  lines.pop();
  let floor: Timing = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < 3; i++) {
    floor = best(floor, await timed(() => writeFloor(lines, `${dir}/floor.ndjson`)));
  }
  const rate = events / gen.wall;
  const floorRate = lines.length / floor.wall;
  const label = `${opts.days} days × ${opts.persons.toLocaleString("en-US")} persons`;
  const results: BenchResult[] = [
    {
      name: `generate: events/s, whole run (${label})`,
      value: rate,
      unit: "events/s",
      target: "≥ 200,000 events/s",
      met: rate >= 200_000,
    },
    {
      name: "generate: events/s vs writing the same prebuilt lines (I/O floor), wall clock",
      value: rate,
      unit: "events/s",
      baseline: floorRate,
      ratio: floorRate / rate,
      target: "within 3× of the floor (ratio ≤ 3)",
      met: floorRate / rate <= 3,
    },
  ];
  if (Number.isFinite(gen.cpu) && gen.cpu > 0 && floor.cpu > 0) {
    const cpuRate = events / gen.cpu;
    const cpuFloor = lines.length / floor.cpu;
    results.push({
      name: "generate: events per CPU-second vs the I/O floor (less sensitive to other load)",
      value: cpuRate,
      unit: "events/s",
      baseline: cpuFloor,
      ratio: cpuFloor / cpuRate,
      target: "within 3× of the floor (ratio ≤ 3)",
      met: cpuFloor / cpuRate <= 3,
    });
  }
  return results;
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
