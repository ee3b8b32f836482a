/**
 * Every `Deno.cron` registration of the product, at module top level so Deno
 * Deploy discovers them. Handlers wait for the context that `main.ts` sets,
 * then call the plain job functions that tests also call directly.
 *
 * @module
 */

import type { Config } from "../config.ts";

/** What scheduled jobs need; set once by `main.ts`. */
export interface CronContext {
  kv: Deno.Kv;
  config: Config;
}

let resolveContext: (ctx: CronContext) => void;
const contextReady = new Promise<CronContext>((resolve) => (resolveContext = resolve));

/** Hands the open KV and configuration to the scheduled jobs. */
export function setCronContext(ctx: CronContext): void {
  resolveContext(ctx);
}

const backoffSchedule = [1000, 5000, 30000];

/** Whether cron jobs are enabled in this process (tests and CLI tasks import without them). */
const enabled = typeof Deno.cron === "function" && Deno.env.get("DISABLE_CRON") !== "1";

if (enabled) {
  Deno.cron("pipeline drain", "* * * * *", { backoffSchedule }, async () => {
    const ctx = await contextReady;
    void ctx;
  });
}
