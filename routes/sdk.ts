/**
 * The browser SDK at `/sdk.js` (classic script) and `/sdk.mjs` (ES module),
 * built by `deno task build` (tasks/build_sdk.ts) into static/build/.
 *
 * @module
 */

import { Hono } from "hono";
import { HttpError } from "./errors.ts";

const FILES: Record<string, string> = {
  "/sdk.js": "sdk.js",
  "/sdk.mjs": "sdk.mjs",
};

/** Options of {@link sdkRoutes}. */
export interface SdkRoutesOptions {
  /** Folder holding the built files; defaults to static/build/. */
  buildDir?: URL;
}

/**
 * Serves the built SDK with a short cache (the URL is stable, so a release
 * must reach browsers within minutes) and CORS open to every origin, since
 * sites embed it from their own pages.
 */
export function sdkRoutes(options: SdkRoutesOptions = {}): Hono {
  const dir = options.buildDir ?? new URL("../static/build/", import.meta.url);
  const cache = new Map<string, Uint8Array>();
  const app = new Hono();
  for (const [path, file] of Object.entries(FILES)) {
    app.get(path, async (c) => {
      let body = cache.get(file);
      if (!body) {
        try {
          body = await Deno.readFile(new URL(file, dir));
        } catch {
          throw new HttpError(
            404,
            "not_built",
            `The SDK is not built yet: run "deno task build"`,
          );
        }
        cache.set(file, body);
      }
      return c.body(body as Uint8Array<ArrayBuffer>, 200, {
        "content-type": "application/javascript; charset=utf-8",
        "cache-control": "public, max-age=300",
        "access-control-allow-origin": "*",
        "x-content-type-options": "nosniff",
      });
    });
  }
  return app;
}
