/**
 * The island build as the server sees it: ensured once per process, served
 * from memory with long-cache headers.
 *
 * On the first request that needs it, {@link createAssets} runs
 * {@link ensureIslandBuild}: it reads `static/build/manifest.json`
 * and fingerprints the island sources (a few milliseconds); only when the
 * build is missing or was made from other sources does it run `deno bundle`
 * (about a second). Concurrent requests share that one promise. Without a
 * usable build (e.g. no subprocesses allowed and nothing built), pages render
 * server-side only: every chart has its table.
 *
 * @module
 */

import type { Context } from "hono";
import {
  buildIslands,
  type BuildPaths,
  defaultBuildPaths,
  type IslandManifest,
  islandSourceHash,
  readManifest,
} from "../../tasks/build.ts";

/** What {@link ensureIslandBuild} did. */
export interface EnsureResult {
  manifest: IslandManifest | null;
  /** `fresh`: the existing build matched; `built`: rebuilt; `stale`/`missing`: rebuild failed. */
  state: "fresh" | "built" | "stale" | "missing";
  error?: string;
}

/**
 * The start-up check: reads the manifest and fingerprints the sources (a few
 * ms); rebuilds only when the build is missing or was made from other sources.
 * When a rebuild is impossible (no `deno` subprocess, read-only file system,
 * as on Deno Deploy) an existing build is used as is, and without any build
 * the pages still render, server-side only.
 *
 * @example
 * ```ts
 * const { manifest, state } = await ensureIslandBuild();
 * ```
 */
export async function ensureIslandBuild(
  paths: BuildPaths = defaultBuildPaths(),
): Promise<EnsureResult> {
  const existing = await readManifest(paths.outDir);
  let sourceHash: string | null = null;
  try {
    sourceHash = await islandSourceHash(paths.root);
  } catch {
    // Sources not readable (a deployment with only the build): trust the build.
    if (existing) return { manifest: existing, state: "fresh" };
  }
  if (existing && existing.sourceHash === sourceHash) return { manifest: existing, state: "fresh" };
  try {
    return { manifest: await buildIslands(paths), state: "built" };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { manifest: existing, state: existing ? "stale" : "missing", error };
  }
}

/** Build files served by this process. */
export interface Assets {
  /** The build to link from pages (built on first use if needed). */
  manifest(): Promise<IslandManifest | null>;
  /** Serves `GET /static/build/:file`. */
  serveBuild(c: Context): Promise<Response>;
  /** Serves the stylesheet from source when there is no build. */
  serveFallbackCss(c: Context): Promise<Response>;
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/**
 * The asset service of one app.
 *
 * @example
 * ```ts
 * const assets = createAssets();
 * app.get("/static/build/:file", (c) => assets.serveBuild(c));
 * ```
 */
export function createAssets(paths: BuildPaths = defaultBuildPaths()): Assets {
  let ensured: Promise<IslandManifest | null> | undefined;
  const cache = new Map<string, Uint8Array>();

  function manifest(): Promise<IslandManifest | null> {
    ensured ??= ensureIslandBuild(paths).then((result) => {
      if (result.state === "built") {
        console.log(`Dashboard islands built into static/build/ (${result.manifest?.sourceHash})`);
      } else if (result.error) {
        console.error(`Dashboard islands not rebuilt (${result.state}): ${result.error}`);
      }
      return result.manifest;
    });
    return ensured;
  }

  async function serveBuild(c: Context): Promise<Response> {
    const file = c.req.param("file") ?? "";
    const m = await manifest();
    if (!m || !(file in m.sizes) || !/^[\w.-]+\.(js|css)$/.test(file)) {
      return c.text("Not found", 404, { "cache-control": "no-store" });
    }
    let bytes = cache.get(file);
    if (!bytes) {
      bytes = await Deno.readFile(new URL(file, paths.outDir));
      cache.set(file, bytes);
    }
    return new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": TYPES[file.split(".").pop() ?? ""] ?? "application/octet-stream",
        // Names are content hashes: a file never changes, so caches keep it a year.
        "cache-control": "public, max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
        "cross-origin-resource-policy": "same-origin",
      },
    });
  }

  async function serveFallbackCss(c: Context): Promise<Response> {
    const css = await Deno.readFile(new URL("static/dashboard.css", paths.root));
    return c.body(css as Uint8Array<ArrayBuffer>, 200, {
      "content-type": TYPES.css,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    });
  }

  return { manifest, serveBuild, serveFallbackCss };
}

let shared: Assets | undefined;

/**
 * The process-wide asset service of the project's own build directory, shared
 * by every app of the process, so an early {@link prepareAssets} call and the
 * first page request wait on the same build.
 */
export function projectAssets(): Assets {
  shared ??= createAssets();
  return shared;
}

/**
 * Starts the start-up check (and the build, if the build is missing or stale)
 * now instead of on the first page request; resolves when the build is ready.
 *
 * @example
 * ```ts
 * // main.ts, after createApp():
 * void prepareAssets();
 * ```
 */
export async function prepareAssets(): Promise<void> {
  await projectAssets().manifest();
}
