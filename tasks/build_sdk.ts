/**
 * Builds the browser SDK with `deno bundle --platform=browser --minify`:
 *
 * - `static/build/sdk.js`: a classic script (IIFE) from `sdk/browser.ts`, served at `/sdk.js`;
 * - `static/build/sdk.mjs`: an ES module from `sdk/mod.ts`, for `import { createClient }`.
 *
 * Run: `deno run --allow-all tasks/build_sdk.ts` (prints sizes).
 *
 * @module
 */

/** Size report of one built file. */
export interface BuiltFile {
  /** Absolute path of the file. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Size after gzip (default level), bytes. */
  gzipBytes: number;
}

/** What {@link buildSdk} produced: the classic script, plus the ES module build. */
export interface SdkBuild extends BuiltFile {
  /** The ES module build next to it. */
  esm: BuiltFile;
}

/** Where {@link buildSdk} writes. */
export interface BuildSdkOptions {
  /** Output folder; `static/build/` of the project by default (tests pass a temporary one). */
  outDir?: string;
}

const root = new URL("../", import.meta.url);

/** The default output path of the classic script, as the `/sdk.js` route should serve it. */
export const SDK_JS_PATH: string = new URL("static/build/sdk.js", root).pathname;

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function bundle(entry: string, out: string, format: "iife" | "esm"): Promise<BuiltFile> {
  const env: Record<string, string> = {};
  // Older Deno releases fetch their esbuild with only the bundled roots; behind a TLS-inspecting
  // proxy the system store is needed too.
  if (!Deno.env.get("DENO_TLS_CA_STORE")) env.DENO_TLS_CA_STORE = "mozilla,system";
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=browser",
      "--minify",
      `--format=${format}`,
      "--output",
      out,
      new URL(entry, root).pathname,
    ],
    cwd: new URL(".", root).pathname,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`Bundling "${entry}" failed: ${new TextDecoder().decode(stderr).trim()}`);
  }
  const bytes = await Deno.readFile(out);
  return { path: out, bytes: bytes.byteLength, gzipBytes: await gzipSize(bytes) };
}

/**
 * Builds `sdk.js` (classic script) and `sdk.mjs` (ES module) and reports their sizes.
 *
 * @example
 * ```ts
 * const { path, gzipBytes } = await buildSdk();
 * // path === SDK_JS_PATH; serve it at /sdk.js as application/javascript
 * ```
 */
export async function buildSdk(options: BuildSdkOptions = {}): Promise<SdkBuild> {
  const dir = options.outDir ?? new URL("static/build/", root).pathname;
  await Deno.mkdir(dir, { recursive: true });
  const join = (name: string) => `${dir.replace(/\/+$/, "")}/${name}`;
  const [script, esm] = await Promise.all([
    bundle("sdk/browser.ts", join("sdk.js"), "iife"),
    bundle("sdk/mod.ts", join("sdk.mjs"), "esm"),
  ]);
  return { ...script, esm };
}

if (import.meta.main) {
  const built = await buildSdk();
  for (const f of [built, built.esm]) {
    console.log(`${f.path}: ${f.bytes} bytes, ${f.gzipBytes} bytes gzipped`);
  }
}
