/**
 * `deno task pipeline`: runs every pipeline job until drained on `KV_PATH`,
 * without a server, and prints what each job did. Several can run at once on
 * one KV file: leases share the work out. Exit code 1 when work is left
 * (held by another worker past the timeout, or a job kept failing).
 *
 * Environment: `KV_PATH`, `FX_RATES`, `PIPELINE_BATCH_SIZE` (records per
 * batch), `PIPELINE_TIMEOUT_MS` (default 10 minutes).
 *
 * @module
 */

import { loadConfig } from "../config.ts";
import { runAllJobs } from "../pipeline/jobs/run_all.ts";

async function main(): Promise<number> {
  const env = Deno.env.toObject();
  // Secrets are not used here; demo mode only keeps loadConfig from asking for them.
  const config = loadConfig(env, { demo: true });
  if (config.kvPath && config.kvPath !== ":memory:") {
    const dir = config.kvPath.replace(/[^/]*$/, "");
    if (dir) await Deno.mkdir(dir, { recursive: true });
  }
  const kv = await Deno.openKv(config.kvPath);
  try {
    const batchSize = env.PIPELINE_BATCH_SIZE ? Number(env.PIPELINE_BATCH_SIZE) : undefined;
    const timeoutMs = env.PIPELINE_TIMEOUT_MS ? Number(env.PIPELINE_TIMEOUT_MS) : 600_000;
    const started = performance.now();
    const result = await runAllJobs(kv, config, { batchSize, timeoutMs });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    for (const j of result.jobs) {
      console.log(
        `${j.name.padEnd(16)} runs ${j.runs}  in ${j.records_in}  out ${j.records_out}` +
          (j.errors ? `  errors ${j.errors}` : ""),
      );
    }
    for (const r of result.runs) if (r.error) console.error(`${r.name}: ${r.error}`);
    console.log(result.drained ? `Drained in ${seconds} s` : `Not drained after ${seconds} s`);
    return result.drained ? 0 : 1;
  } finally {
    kv.close();
  }
}

if (import.meta.main) Deno.exit(await main());
