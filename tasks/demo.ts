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
import { createClient } from "../sdk/mod.ts";
import { generate } from "./generate/mod.ts";
import type { Expected } from "./generate/expected.ts";
import { runAllJobs } from "../pipeline/jobs/mod.ts";
import { runMonitoringJobs } from "../pipeline/monitoring/mod.ts";
import { ensureIslandBuild } from "../routes/pages/assets.ts";
import { buildSdk } from "./build_sdk.ts";

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

/** One figure of the summary: what the pipeline says and what the answer key says. */
export interface DemoCheck {
  label: string;
  actual: number;
  expected: number;
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

async function post(
  url: string,
  init: { body: BodyInit; type: string; auth: string },
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: "POST",
    body: init.body,
    headers: { "content-type": init.type, authorization: init.auth },
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Sends every line of events.ndjson: objects through the SDK, the rest as raw NDJSON. */
async function sendEvents(
  file: string,
  host: string,
  writeKey: string,
): Promise<{ viaSdk: number; raw: number }> {
  const raw: string[] = [];
  const client = createClient({
    writeKey,
    host,
    flushAt: 100,
    flushIntervalMs: 50,
    historical: true,
    browser: false,
    onError: (e) => {
      if (e.reason !== "quarantined") console.warn(`  SDK: ${e.message}`);
    },
  });
  let viaSdk = 0;
  const text = await Deno.readTextFile(file);
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      raw.push(line);
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      raw.push(line);
      continue;
    }
    // An event over the event limit is dropped by the SDK; send it raw so the
    // server quarantines it as too_large, as it would any client's.
    if (new TextEncoder().encode(line).length > 32 * 1024) {
      raw.push(line);
      continue;
    }
    client.send(value as Record<string, unknown>);
    // Backpressure: the SDK's queue is bounded, so let it drain every so often.
    if (++viaSdk % 1000 === 0) await client.flush();
  }
  await client.close();
  if (raw.length) {
    await post(`${host}/v1/events?historical=1`, {
      body: raw.join("\n") + "\n",
      type: "application/x-ndjson",
      auth: `Bearer ${writeKey}`,
    });
  }
  return { viaSdk, raw: raw.length };
}

async function uploadFiles(
  expected: Expected,
  dir: string,
  host: string,
  writeKey: string,
): Promise<number> {
  let n = 0;
  for (const { file, date } of expected.meta.files.orders) {
    await post(
      `${host}/v1/uploads/orders?date=${date}&filename=${encodeURIComponent(file)}`,
      { body: await Deno.readFile(`${dir}/${file}`), type: "text/csv", auth: `Bearer ${writeKey}` },
    );
    n++;
  }
  for (const { file, week } of expected.meta.files.inventory) {
    await post(`${host}/v1/uploads/inventory?week=${week}`, {
      body: await Deno.readFile(`${dir}/${file}`),
      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      auth: `Bearer ${writeKey}`,
    });
    n++;
  }
  return n;
}

async function getJson(
  host: string,
  path: string,
  token: string,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${host}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
  return await res.json();
}

/** Compares the read API with the answer key on the headline figures. */
export async function summaryChecks(
  host: string,
  token: string,
  expected: Expected,
): Promise<DemoCheck[]> {
  const checks: DemoCheck[] = [];
  const orders = await getJson(host, "/v1/kpis/orders?bucket=all", token);
  const events = await getJson(host, "/v1/kpis/events?bucket=all", token);
  const eo = expected.orders.all as unknown as Record<string, number>;
  const ee = expected.events.all as unknown as Record<string, number>;
  for (
    const k of ["revenue_cents", "orders", "units", "aov_cents", "customers", "refunded_cents"]
  ) {
    checks.push({ label: `orders.${k}`, actual: orders[k] as number, expected: eo[k] });
  }
  for (const k of ["events", "persons", "page_views", "cart_persons"]) {
    checks.push({ label: `events.${k}`, actual: events[k] as number, expected: ee[k] });
  }
  const { start, end } = expected.meta;
  const daily = await getJson(host, `/v1/kpis/daily?from=${start}&to=${end}`, token);
  const days = daily.days as { date: string; revenue_cents: number; events: number }[];
  const wantDays = new Map(expected.daily.days.map((d) => [d.date, d]));
  checks.push({
    label: "daily rows matching the answer key",
    actual: days.filter((d) => {
      const want = wantDays.get(d.date);
      return want && want.revenue_cents === d.revenue_cents && want.events === d.events;
    }).length,
    expected: expected.daily.days.length,
  });
  // Everything was received today (UTC): quality is counted by received day.
  const today = new Date().toISOString().slice(0, 10);
  const quality = await getJson(host, `/v1/quality?from=${today}&to=${today}`, token);
  {
    const rows = quality.days as {
      source: string;
      received: number;
      quarantined: number;
      duplicates: number;
    }[];
    type Figure = "received" | "quarantined" | "duplicates";
    const got = (source: string, k: Figure) =>
      rows.filter((r) => r.source === source).reduce((a, r) => a + r[k], 0);
    const want = (source: "orders" | "inventory", k: Figure) =>
      Object.values(expected.quality[source]).reduce((a, q) => a + q[k], 0);
    for (const k of ["received", "quarantined", "duplicates"] as const) {
      checks.push({
        label: `quality.events.${k}`,
        actual: got("events", k),
        expected: expected.quality.events[k],
      });
      checks.push({
        label: `quality.orders.${k}`,
        actual: got("orders", k),
        expected: want("orders", k),
      });
    }
    checks.push({
      label: "quality.inventory.received",
      actual: got("inventory", "received"),
      expected: want("inventory", "received"),
    });
  }
  return checks;
}

function printChecks(checks: DemoCheck[]): boolean {
  let ok = true;
  for (const c of checks) {
    const same = c.actual === c.expected;
    ok &&= same;
    console.log(
      `  ${same ? "✓" : "✗"} ${c.label.padEnd(36)} ${String(c.actual).padStart(12)}  ${
        same ? "" : `(answer key ${c.expected})`
      }`,
    );
  }
  return ok;
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
