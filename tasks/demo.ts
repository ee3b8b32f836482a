/**
 * `deno task demo`: the one-command tour.
 *
 * 1. Generates a seeded dataset and its answer key (`out/demo/`).
 * 2. Starts the server on a fresh local KV (`data/demo.kv`) in demo mode, with
 *    a write key and an admin token generated for this run.
 * 3. Sends the events through the client SDK (as a historical import; the few
 *    lines that are not JSON objects, which no SDK can send, go as raw NDJSON),
 *    and uploads every orders CSV and inventory XLSX through the API.
 * 4. Runs the pipeline until drained, then prints KPIs and data quality next
 *    to the answer key, and keeps the dashboard up.
 *
 * Flags: `--seed 42 --days 35 --persons 2000 --dirty 0.03 --port 8000`,
 * `--no-serve` (stop after the summary; exit 1 if a figure disagrees).
 *
 * @module
 */

import "../pipeline/cron.ts";
import { loadConfig } from "../config.ts";
import { setCronContext } from "../pipeline/cron.ts";
import { createApp } from "../routes/app.ts";
import { generate } from "./generate/mod.ts";
import type { Expected } from "./generate/expected.ts";
import { runAllJobs } from "../pipeline/jobs/mod.ts";
import { runMonitoringJobs } from "../pipeline/monitoring/mod.ts";
import { ensureIslandBuild } from "../routes/pages/assets.ts";
import { buildSdk } from "./build_sdk.ts";
import { printChecks, summaryChecks } from "./demo/checks.ts";
import { sendEvents, uploadFiles } from "./demo/send.ts";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  seed: number;
  days: number;
  persons: number;
  dirty: number;
  port: number;
  out: string;
  kvPath: string;
  serve: boolean;
}

function parseArgs(args: string[]): DemoOptions {
  const opts: DemoOptions = {
    seed: 42,
    days: 35,
    persons: 2000,
    dirty: 0.03,
    port: 8000,
    out: "out/demo",
    kvPath: "data/demo.kv",
    serve: true,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const next = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`Flag "${arg}" needs a value`);
      return v;
    };
    if (arg === "--no-serve") opts.serve = false;
    else if (arg === "--seed") opts.seed = Number(next());
    else if (arg === "--days") opts.days = Number(next());
    else if (arg === "--persons") opts.persons = Number(next());
    else if (arg === "--dirty") opts.dirty = Number(next());
    else if (arg === "--port") opts.port = Number(next());
    else if (arg === "--out") opts.out = next();
    else if (arg === "--kv") opts.kvPath = next();
    else throw new Error(`Unknown flag "${arg}"`);
  }
  return opts;
}

function step(text: string): () => void {
  const started = performance.now();
  console.log(`▸ ${text}`);
  return () => console.log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function yesterdayUtc(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

async function removeKv(path: string): Promise<void> {
  for (const suffix of ["", "-shm", "-wal"]) {
    await Deno.remove(path + suffix).catch(() => {});
  }
  const dir = path.replace(/[^/]*$/, "");
  if (dir) await Deno.mkdir(dir, { recursive: true });
}

/** Runs the tour; returns whether every printed figure agreed with the answer key. */
export async function runDemo(opts: DemoOptions): Promise<boolean> {
  console.log("Edge commerce pipeline: demo\n");
  let done = step(
    `Generating ${opts.days} days for ${opts.persons} persons (seed ${opts.seed}) into ${opts.out}`,
  );
  let lastReported = "";
  const summary = await generate({
    seed: opts.seed,
    days: opts.days,
    persons: opts.persons,
    dirty: opts.dirty,
    out: opts.out,
    end: yesterdayUtc(),
    onDay: (date) => {
      if (date.slice(0, 7) !== lastReported) {
        lastReported = date.slice(0, 7);
        console.log(`  … ${date}`);
      }
    },
  });
  console.log(
    `  ${summary.eventLines} event lines, ${summary.orderRows} order rows, ${summary.inventoryRows} inventory rows`,
  );
  done();

  done = step("Building the dashboard islands and the browser SDK");
  await ensureIslandBuild();
  await buildSdk();
  done();

  await removeKv(opts.kvPath);
  const config = loadConfig({
    ...Deno.env.toObject(),
    KV_PATH: opts.kvPath,
    PORT: String(opts.port),
  }, { demo: true });
  const kv = await Deno.openKv(config.kvPath);
  // Without a server to keep up, the scheduled jobs would race the shutdown.
  if (opts.serve) setCronContext({ kv, config });
  const app = createApp({ kv, config });
  const server = Deno.serve(
    { port: config.port, hostname: config.hostname, onListen: () => {} },
    app.fetch,
  );
  const host = `http://${config.hostname}:${server.addr.port}`;
  const writeKey = config.writeKeys[0];
  console.log(`▸ Server on ${host} with a fresh KV at ${opts.kvPath}`);

  done = step("Sending the events through the SDK (historical import)");
  const sent = await sendEvents(`${opts.out}/events.ndjson`, host, writeKey);
  console.log(`  ${sent.viaSdk} events via the SDK, ${sent.raw} unparseable lines as raw NDJSON`);
  done();

  const expected: Expected = JSON.parse(await Deno.readTextFile(`${opts.out}/expected.json`));
  done = step("Uploading the orders CSV and inventory XLSX files");
  const files = await uploadFiles(expected, opts.out, host, writeKey);
  console.log(`  ${files} files`);
  done();

  done = step("Running the pipeline until drained");
  const run = await runAllJobs(kv, config, { timeoutMs: 600_000 });
  for (const j of run.jobs) {
    console.log(`  ${j.name.padEnd(16)} ${j.records_in} in, ${j.records_out} out`);
  }
  await runMonitoringJobs(kv, config, {});
  done();

  console.log("\nKPIs and data quality (read API vs expected.json):");
  const ok = printChecks(await summaryChecks(host, config.adminToken, expected));

  if (!opts.serve) {
    await server.shutdown();
    kv.close();
    return ok;
  }
  console.log(`
Dashboard: ${host}/
Admin token (sign in with it): ${config.adminToken}
Write key (for the SDK and uploads): ${writeKey}
These secrets were generated for this run. Press Ctrl-C to stop.`);
  await server.finished;
  return ok;
}

if (import.meta.main) {
  const ok = await runDemo(parseArgs(Deno.args));
  // Registered crons keep the process alive; the tour is over.
  Deno.exit(ok ? 0 : 1);
}
