/**
 * Dashboard benchmark: for every page, the server time (p50 and p95 of
 * `app.request()` with a session, body read) on 90 days of generated data
 * sent through the API and processed by the pipeline, against a static page
 * of the same size served by the same app in the same run; and the
 * JavaScript the page ships (every module it imports or preloads, gzipped).
 *
 * Targets (docs/dashboard.md): p95 ≤ 50 ms and ≤ 60 KB of JavaScript on the
 * heaviest page; they are checked on every page.
 *
 * Env: `PAGES_BENCH_DAYS` (default 90), `PAGES_BENCH_PERSONS` (default 2000),
 * `PAGES_BENCH_REQUESTS` (default 200 per page).
 *
 * @module
 */

import { Hono } from "hono";
import type { BenchResult } from "./types.ts";
import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { addDays, dayOf } from "../pipeline/contracts/buckets.ts";
import { csrfToken, newSession, SESSION_COOKIE, signSession } from "../routes/pages/session.ts";
import { seedThroughApi } from "../tests/dashboard_fixtures.ts";

const PAGES: [string, string][] = [
  ["overview", "/"],
  ["products", "/products"],
  ["customers", "/customers"],
  ["quality", "/quality"],
  ["pipeline", "/pipeline"],
  ["alerts", "/alerts"],
];

const P95_TARGET_MS = 50;
/** 60 KB, read as 60 × 1000 bytes (the stricter reading). */
const JS_TARGET_BYTES = 60_000;

function envInt(name: string, fallback: number): number {
  const v = Number(Deno.env.get(name));
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

async function gzipBytes(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/**
 * Server time of `n` requests to `a` and to `b`, interleaved so that both see
 * the same machine load and garbage collections; ms, each sorted.
 */
async function timePair(
  a: () => Response | Promise<Response>,
  b: () => Response | Promise<Response>,
  n: number,
): Promise<[number[], number[]]> {
  for (let i = 0; i < 20; i++) {
    await (await a()).arrayBuffer();
    await (await b()).arrayBuffer();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [f, out] of [[a, ta], [b, tb]] as const) {
      const t = performance.now();
      const res = await f();
      await res.arrayBuffer();
      out.push(performance.now() - t);
    }
  }
  return [ta.sort((x, y) => x - y), tb.sort((x, y) => x - y)];
}

/**
 * Every JavaScript file a page loads: the modules its boot script imports and
 * preloads (the build's import graph is preloaded whole), fetched from the app.
 */
async function shippedJs(app: Hono, html: string): Promise<{ files: number; gzip: number }> {
  const urls = new Set<string>();
  for (const m of html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)) urls.add(m[1]);
  for (const m of html.matchAll(/from"(\/static\/build\/[^"]+\.js)"/g)) urls.add(m[1]);
  let gzip = 0;
  for (const url of urls) {
    const res = await app.request(url);
    if (res.status !== 200) throw new Error(`Asset "${url}" answered ${res.status}`);
    gzip += await gzipBytes(new Uint8Array(await res.arrayBuffer()));
  }
  return { files: urls.size, gzip };
}

/**
 * Runs the benchmark.
 *
 * @example
 * ```ts
 * for (const r of await benchPages()) console.log(r.name, r.value, r.unit);
 * ```
 */
export async function benchPages(): Promise<BenchResult[]> {
  const days = envInt("PAGES_BENCH_DAYS", 90);
  const persons = envInt("PAGES_BENCH_PERSONS", 2000);
  const requests = envInt("PAGES_BENCH_REQUESTS", 200);
  const kv = await Deno.openKv(":memory:");
  const results: BenchResult[] = [];
  try {
    const config = testConfig({
      limits: { ...testConfig().limits, ratePerSecond: 1e9, rateBurst: 1e9 },
    });
    const today = dayOf(Date.now());
    const started = performance.now();
    const seeded = await seedThroughApi(kv, config, {
      days,
      persons,
      end: addDays(today, -1),
      seed: 42,
    });
    console.log(
      `pages: ${days} days, ${seeded.eventLines} event lines, ${seeded.orderRows} order rows ` +
        `loaded through the API and processed in ${
          ((performance.now() - started) / 1000).toFixed(1)
        } s`,
    );
    const session = newSession(Date.now());
    const cookie = `${SESSION_COOKIE}=${await signSession(config.sessionSecret, session)}`;
    void (await csrfToken(config.sessionSecret, session.sid));
    const inner = createApp({ kv, config });
    // The same app, plus one route that answers a fixed page of the size under test.
    let staticPage = "";
    const app = new Hono();
    app.get("/__static", (c) =>
      c.body(staticPage, 200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
      }));
    app.route("/", inner);
    const headers = { cookie, accept: "text/html" };
    // Warm every page up once the seeding's garbage is behind us.
    for (let i = 0; i < 30; i++) {
      for (const [, path] of PAGES) await (await app.request(path, { headers })).arrayBuffer();
    }

    for (const [name, path] of PAGES) {
      const first = await app.request(path, { headers });
      if (first.status !== 200) throw new Error(`Page "${path}" answered ${first.status}`);
      const html = await first.text();
      staticPage = html;
      const [page, base] = await timePair(
        () => app.request(path, { headers }),
        () => app.request("/__static", { headers }),
        requests,
      );
      const js = await shippedJs(app, html);
      const p50 = quantile(page, 0.5);
      const p95 = quantile(page, 0.95);
      const b50 = quantile(base, 0.5);
      const b95 = quantile(base, 0.95);
      results.push(
        {
          name: `${name}: server time p50`,
          value: p50,
          unit: "ms",
          baseline: b50,
          ratio: p50 / b50,
        },
        {
          name: `${name}: server time p95`,
          value: p95,
          unit: "ms",
          baseline: b95,
          ratio: p95 / b95,
          target: `≤ ${P95_TARGET_MS} ms`,
          met: p95 <= P95_TARGET_MS,
        },
        {
          name: `${name}: JavaScript shipped (gzip, ${js.files} files; HTML ${
            (html.length / 1024).toFixed(0)
          } KiB)`,
          value: js.gzip / 1000,
          unit: "KB",
          target: `≤ ${JS_TARGET_BYTES / 1000} KB`,
          met: js.gzip <= JS_TARGET_BYTES,
        },
      );
    }
  } finally {
    kv.close();
  }
  return results;
}

if (import.meta.main) {
  for (const r of await benchPages()) {
    const base = r.baseline === undefined
      ? ""
      : ` (static ${r.baseline.toFixed(2)} ${r.unit}, ×${r.ratio?.toFixed(1)})`;
    console.log(
      `${r.name}: ${r.value.toFixed(2)} ${r.unit}${base}${
        r.met === undefined ? "" : r.met ? " ✓" : " ✗"
      }`,
    );
  }
}
