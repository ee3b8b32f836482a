/**
 * Entry of the browser build (`static/build/sdk.js`, served at `/sdk.js`), a classic script.
 *
 * It defines `window.PipelineSDK = { createClient }`. When its script tag carries
 * `data-write-key`, it also creates `window.pipeline`, sending to `data-host` or, by default,
 * the origin the script came from:
 *
 * ```html
 * <script src="https://pipeline.example.com/sdk.js" data-write-key="wk_live_1"></script>
 * <script>pipeline.page();</script>
 * ```
 *
 * @module
 */

import { createClient } from "./client.ts";
import type { Client } from "./types.ts";

/** The globals this script defines. */
export interface SdkGlobals {
  /** The factory, for pages that configure the client themselves. */
  PipelineSDK: { createClient: typeof createClient };
  /** The client created from the script tag's `data-write-key`, if any. */
  pipeline?: Client;
}

const g = globalThis as unknown as SdkGlobals;
g.PipelineSDK = { createClient };
const script = typeof document === "undefined"
  ? null
  : document.currentScript as HTMLScriptElement | null;
const writeKey = script?.dataset.writeKey;
if (script && writeKey) {
  g.pipeline = createClient({
    writeKey,
    host: script.dataset.host ?? new URL(script.src, location.href).origin,
  });
}
