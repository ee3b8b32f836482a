/**
 * Composition root: reads the configuration, opens KV, builds the app, hands
 * the scheduled jobs their context, and serves.
 *
 * @module
 */

import "./pipeline/cron.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { setCronContext } from "./pipeline/cron.ts";
import { createApp } from "./routes/app.ts";
import { prepareDashboard } from "./routes/pages/mod.ts";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Cannot start: ${err.message}`);
      Deno.exit(1);
    }
    throw err;
  }
  if (config.kvPath && config.kvPath !== ":memory:") {
    const dir = config.kvPath.replace(/[^/]*$/, "");
    if (dir) await Deno.mkdir(dir, { recursive: true });
  }
  const kv = await Deno.openKv(config.kvPath);
  setCronContext({ kv, config });
  const app = createApp({ kv, config });
  // Check (and if needed rebuild) the island bundles now rather than on the first page view.
  void prepareDashboard();
  Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ hostname, port }) => console.log(`Listening on http://${hostname}:${port}`),
  }, app.fetch);
}

if (import.meta.main) await main();
