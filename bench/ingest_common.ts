/**
 * What the ingest benchmarks share: the bench configuration and write key, a
 * server on a random loopback port, a KV file in a temporary folder, and a
 * peak-RSS sampler.
 *
 * @module
 */

import { testConfig } from "../config.ts";
import type { Config } from "../config.ts";
import { committerFor } from "../pipeline/ingest/committer.ts";

/** The write key every ingest benchmark sends. */
export const WRITE_KEY = "bench-write-key";

/** The `authorization` header for {@link WRITE_KEY}. */
export const AUTH = `Basic ${btoa(`${WRITE_KEY}:`)}`;

/** Bytes per MiB. */
export const MiB = 1024 * 1024;

/** The test configuration with the bench write key and no rate limit. */
export function benchConfig(): Config {
  const base = testConfig({ writeKeys: [WRITE_KEY] });
  return {
    ...base,
    limits: { ...base.limits, ratePerSecond: 1e9, rateBurst: 1e9 },
  };
}

/** Samples the process's peak RSS while `fn` runs. */
export async function withPeakMemory<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; peakMiB: number }> {
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

/** A request handler as `Deno.serve` takes it. */
export type Handler = (req: Request) => Response | Promise<Response>;

/** Serves `handler` on a random loopback port while `fn` runs against its base URL. */
export async function serving<T>(handler: Handler, fn: (base: string) => Promise<T>): Promise<T> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  try {
    return await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

/** Runs `fn` with a KV file in a fresh temporary folder, removed afterwards. */
export async function withFileKv<T>(fn: (kv: Deno.Kv, dir: string) => Promise<T>): Promise<T> {
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
