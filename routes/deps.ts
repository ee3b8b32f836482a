/**
 * What route modules receive from the composition root.
 *
 * @module
 */

import type { Config } from "../config.ts";

/** Dependencies of every route module. */
export interface AppDeps {
  kv: Deno.Kv;
  config: Config;
}
