/**
 * A test server for the crash test: serves the app on a KV file (`KV_PATH`)
 * on a free port and prints `listening <port>`. Not a test itself.
 *
 * @module
 */

import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";

const kv = await Deno.openKv(Deno.env.get("KV_PATH")!);
const base = testConfig();
const config = {
  ...base,
  limits: { ...base.limits, ratePerSecond: 1_000_000, rateBurst: 1_000_000 },
};
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, createApp({ kv, config }).fetch);
