/**
 * Data for the dashboard's browser tests and benchmark: a dataset from the
 * generator (tasks/generate), sent through the real ingest API of the app,
 * then processed by the pipeline and the monitoring jobs, exactly as in
 * production.
 *
 * @module
 */

import type { Config } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { runAllJobs } from "../pipeline/jobs/mod.ts";
import { runMonitoringJobs } from "../pipeline/monitoring/mod.ts";
import { generate } from "../tasks/generate/mod.ts";

/** What to generate. */
export interface SeedOptions {
  days: number;
  persons: number;
  /** Last business day, `YYYY-MM-DD`. */
  end: string;
  seed?: number;
  dirty?: number;
}

/** What was loaded. */
export interface SeedResult {
  files: number;
  eventLines: number;
  orderRows: number;
  /** Statuses of the ingest answers, by file. */
  answers: Record<string, number>;
}

async function post(
  app: ReturnType<typeof createApp>,
  config: Config,
  path: string,
  body: Uint8Array,
  type: string,
): Promise<number> {
  const res = await app.request(path, {
    method: "POST",
    headers: { authorization: `Bearer ${config.writeKeys[0]}`, "content-type": type },
    body: body as Uint8Array<ArrayBuffer>,
  });
  await res.body?.cancel();
  return res.status;
}

/**
 * Generates a dataset into a temporary folder, ingests it through the API
 * (events as historical NDJSON, one orders CSV per day, one inventory XLSX
 * per week, in file order), and runs the pipeline and monitoring until
 * drained.
 *
 * @example
 * ```ts
 * await seedThroughApi(kv, config, { days: 21, persons: 120, end: "2026-11-24" });
 * ```
 */
export async function seedThroughApi(
  kv: Deno.Kv,
  config: Config,
  options: SeedOptions,
): Promise<SeedResult> {
  const dir = await Deno.makeTempDir({ prefix: "dashboard_seed_" });
  try {
    const summary = await generate({
      seed: options.seed ?? 7,
      days: options.days,
      persons: options.persons,
      dirty: options.dirty ?? 0.05,
      out: dir,
      end: options.end,
    });
    const app = createApp({ kv, config });
    const answers: Record<string, number> = {};
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    for (const name of names) {
      const bytes = await Deno.readFile(`${dir}/${name}`);
      const date = /(\d{4}-\d{2}-\d{2})/.exec(name)?.[1];
      if (name === "events.ndjson") {
        answers[name] = await post(
          app,
          config,
          "/v1/events?historical=1",
          bytes,
          "application/x-ndjson",
        );
      } else if (name.startsWith("orders_") && date) {
        answers[name] = await post(
          app,
          config,
          `/v1/uploads/orders?date=${date}`,
          bytes,
          "text/csv",
        );
      } else if (name.startsWith("inventory_") && date) {
        answers[name] = await post(
          app,
          config,
          `/v1/uploads/inventory?week=${date}`,
          bytes,
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        );
      }
    }
    await runAllJobs(kv, config);
    await runMonitoringJobs(kv, config);
    await runAllJobs(kv, config);
    return {
      files: summary.files.length,
      eventLines: summary.eventLines,
      orderRows: summary.orderRows,
      answers,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
