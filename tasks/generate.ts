/**
 * `deno task generate`: writes a seeded dataset (events NDJSON, one orders CSV
 * per day, one inventory XLSX per ISO week, injected dirt) and its answer key
 * `expected.json`. See docs/generator.md.
 *
 * @module
 */

import { generate } from "./generate/mod.ts";
import { parseArgs, USAGE } from "./generate/options.ts";

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseArgs(Deno.args);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  let peakRss = 0, peakHeap = 0;
  // With --v8-flags=--expose-gc the report measures live memory, not uncollected garbage.
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = () => {
    gc?.();
    const m = Deno.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const started = performance.now();
  try {
    sample();
    const summary = await generate({
      ...opts,
      onDay: (date) => {
        if (opts.memoryReport) sample();
        if (!opts.quiet) Deno.stderr.writeSync(new TextEncoder().encode(`\rday ${date}`));
      },
    });
    sample();
    const seconds = (performance.now() - started) / 1000;
    if (!opts.quiet) {
      const e = summary.expected;
      console.error("");
      console.log(
        `Wrote ${summary.files.length} files to ${opts.out} in ${seconds.toFixed(1)} s: ` +
          `${summary.eventLines} event lines, ${summary.orderRows} order rows, ` +
          `${summary.inventoryRows} inventory rows (${e.meta.start} … ${e.meta.end}); ` +
          `revenue ${(e.orders.all.revenue_cents / 100).toFixed(2)} USD, ` +
          `${e.orders.all.orders} orders, ${e.events.all.events} events`,
      );
    }
    if (opts.memoryReport) {
      console.error(JSON.stringify({
        peak_rss_bytes: peakRss,
        peak_heap_bytes: peakHeap,
        seconds,
        event_lines: summary.eventLines,
      }));
    }
    return 0;
  } catch (err) {
    console.error(err instanceof RangeError ? err.message : err);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main());
