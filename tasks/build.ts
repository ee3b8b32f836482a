/**
 * `deno task build`: bundles the dashboard's islands for the browser into
 * `static/build/` with content-hashed names, and writes
 * `static/build/manifest.json`, which the server reads to link them; then
 * builds the browser SDK (tasks/build_sdk.ts) next to them.
 *
 * - One `deno bundle --platform=browser --minify --code-splitting` run over
 *   the boot module and every island of `islands/registry.ts`: preact, the
 *   islands' shared code and Chart.js land in shared chunks that every page
 *   reuses from the browser cache.
 * - Islands are bundled with the automatic JSX runtime (a generated config
 *   next to the output): the project's `precompile` JSX transform emits HTML
 *   string templates that only the server renderer understands.
 * - Entry files are renamed `<name>-<sha256 prefix>.js`; chunks already carry
 *   esbuild's content hash. The manifest lists every file's imports so pages
 *   can `modulepreload` the whole graph, and every file's gzip size.
 * - `sourceHash` fingerprints the inputs (islands/, static/*.css, deno.json):
 *   the server compares it on start and rebuilds only when it differs
 *   (`ensureIslandBuild()` in routes/pages/assets.ts).
 *
 * @module
 */

import { BOOT_FILE, ISLAND_FILES } from "../islands/registry.ts";

/** What the server needs to link a build. Paths are file names inside the build directory. */
export interface IslandManifest {
  version: 1;
  /** Fingerprint of the inputs this build was made from. */
  sourceHash: string;
  builtAt: string;
  /** The boot module. */
  boot: string;
  /** Island name → its entry module. */
  islands: Record<string, string>;
  /** The stylesheet. */
  css: string;
  /** Every JavaScript file → the build files it imports (statically or dynamically). */
  imports: Record<string, string[]>;
  /** Every file → its size in bytes and gzipped. */
  sizes: Record<string, { bytes: number; gzip: number }>;
}

/** Where a build reads from and writes to. */
export interface BuildPaths {
  /** Project root (holds deno.json, islands/, static/). */
  root: URL;
  /** Build directory, normally `static/build/`. */
  outDir: URL;
}

/** Bumped when the build's own logic changes, so old builds count as stale. */
const BUILD_FORMAT = "islands-build-3";

/** The stylesheet, relative to the project root. */
const CSS_FILE = "static/dashboard.css";

/** The project's default paths (this file lives in `tasks/`). */
export function defaultBuildPaths(): BuildPaths {
  const root = new URL("../", import.meta.url);
  return { root, outDir: new URL("static/build/", root) };
}

async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function listSources(dir: URL, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix + entry.name;
    if (entry.isDirectory) {
      out.push(...await listSources(new URL(entry.name + "/", dir), rel + "/"));
    } else if (/\.(ts|tsx|css)$/.test(entry.name)) out.push(rel);
  }
  return out;
}

/**
 * Fingerprint of everything a build depends on: every file under `islands/`,
 * the stylesheet, `deno.json` and the build format. Reading these few files
 * takes a few milliseconds, which is what makes the start-up check cheap.
 *
 * @example
 * ```ts
 * const hash = await islandSourceHash(defaultBuildPaths().root);
 * ```
 */
export async function islandSourceHash(root: URL): Promise<string> {
  const files = [
    ...(await listSources(new URL("islands/", root), "islands/")),
    CSS_FILE,
    "deno.json",
  ].sort();
  const parts: string[] = [BUILD_FORMAT];
  for (const file of files) {
    parts.push(file, await sha256Hex(await Deno.readFile(new URL(file, root))));
  }
  return (await sha256Hex(parts.join("\n"))).slice(0, 32);
}

/**
 * Reads a build's manifest; `null` when there is none or it is unreadable.
 *
 * @example
 * ```ts
 * const manifest = await readManifest(defaultBuildPaths().outDir);
 * ```
 */
export async function readManifest(outDir: URL): Promise<IslandManifest | null> {
  try {
    const m = JSON.parse(await Deno.readTextFile(new URL("manifest.json", outDir)));
    return m && m.version === 1 && typeof m.boot === "string" ? m as IslandManifest : null;
  } catch {
    return null;
  }
}

/** Relative imports of a bundled module: `from"./x.js"`, `import"./x.js"`, `import("./x.js")`. */
function importsOf(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:from|import)\s*\(?\s*["']\.\/([\w.-]+\.js)["']/g)) {
    found.add(m[1]);
  }
  return [...found].sort();
}

async function bundleConfig(root: URL, tmp: URL): Promise<URL> {
  const project = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const config = {
    compilerOptions: {
      ...project.compilerOptions,
      jsx: "react-jsx",
      jsxImportSource: "preact",
    },
    imports: project.imports,
  };
  const url = new URL("deno.json", tmp);
  await Deno.writeTextFile(url, JSON.stringify(config, null, 2));
  return url;
}

async function runBundle(paths: BuildPaths, tmp: URL, config: URL): Promise<void> {
  const islandsDir = new URL("islands/", paths.root);
  const entries = [BOOT_FILE, ...Object.values(ISLAND_FILES)].map((f) =>
    new URL(f, islandsDir).pathname
  );
  const args = [
    "bundle",
    "--config",
    config.pathname,
    "--lock",
    new URL("deno.lock", paths.root).pathname,
    "--platform=browser",
    "--format=esm",
    "--minify",
    "--code-splitting",
    "--outdir",
    new URL("out/", tmp).pathname,
    ...entries,
  ];
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: paths.root.pathname,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (code !== 0) {
    throw new Error(`Island bundle failed: ${new TextDecoder().decode(stderr).trim()}`);
  }
}

function stemOf(file: string): string {
  return file.replace(/^.*\//, "").replace(/\.(tsx?|jsx?)$/, "");
}

/**
 * Builds the islands and the stylesheet into the build directory and returns
 * the new manifest. Safe to run from several processes at once: each builds
 * in its own temporary directory, files are content-named, and the manifest
 * is replaced atomically. Files of the previous build that the new one does
 * not reuse are deleted.
 *
 * @example
 * ```ts
 * const manifest = await buildIslands();
 * console.log(manifest.islands.Chart); // "Chart-3f2a9c0b1d.js"
 * ```
 */
export async function buildIslands(
  paths: BuildPaths = defaultBuildPaths(),
): Promise<IslandManifest> {
  await Deno.mkdir(paths.outDir, { recursive: true });
  const previous = await readManifest(paths.outDir);
  const sourceHash = await islandSourceHash(paths.root);
  const tmp = new URL(`.tmp-${crypto.randomUUID()}/`, paths.outDir);
  await Deno.mkdir(tmp, { recursive: true });
  try {
    await runBundle(paths, tmp, await bundleConfig(paths.root, tmp));
    const outTmp = new URL("out/", tmp);
    const entryStems = new Map<string, string>([[stemOf(BOOT_FILE), "boot"]]);
    for (const [name, file] of Object.entries(ISLAND_FILES)) entryStems.set(stemOf(file), name);

    const renamed = new Map<string, string>();
    const contents = new Map<string, Uint8Array>();
    for await (const entry of Deno.readDir(outTmp)) {
      if (!entry.isFile || !entry.name.endsWith(".js")) continue;
      const bytes = await Deno.readFile(new URL(entry.name, outTmp));
      const stem = stemOf(entry.name);
      const final = entryStems.has(stem)
        ? `${stem}-${(await sha256Hex(bytes)).slice(0, 10)}.js`
        : entry.name;
      renamed.set(entry.name, final);
      contents.set(final, bytes);
    }
    const imports: Record<string, string[]> = {};
    for (const [file, bytes] of contents) {
      const deps = importsOf(new TextDecoder().decode(bytes));
      for (const dep of deps) {
        if (renamed.get(dep) !== dep) {
          throw new Error(`Bundle "${file}" imports entry "${dep}", which is renamed`);
        }
      }
      imports[file] = deps;
    }
    const css = await Deno.readFile(new URL(CSS_FILE, paths.root));
    const cssName = `dashboard-${(await sha256Hex(css)).slice(0, 10)}.css`;
    contents.set(cssName, css);

    const sizes: IslandManifest["sizes"] = {};
    for (const [file, bytes] of contents) {
      sizes[file] = { bytes: bytes.byteLength, gzip: await gzipSize(bytes) };
      await Deno.writeFile(new URL(file, tmp), bytes);
      await Deno.rename(new URL(file, tmp), new URL(file, paths.outDir));
    }
    const islands: Record<string, string> = {};
    let boot = "";
    for (const [stem, name] of entryStems) {
      const file = [...renamed.entries()].find(([from]) => stemOf(from) === stem)?.[1];
      if (!file) throw new Error(`Bundle output for "${stem}" is missing`);
      if (name === "boot") boot = file;
      else islands[name] = file;
    }
    const manifest: IslandManifest = {
      version: 1,
      sourceHash,
      builtAt: new Date().toISOString(),
      boot,
      islands,
      css: cssName,
      imports,
      sizes,
    };
    const manifestTmp = new URL("manifest.json", tmp);
    await Deno.writeTextFile(manifestTmp, JSON.stringify(manifest, null, 2) + "\n");
    await Deno.rename(manifestTmp, new URL("manifest.json", paths.outDir));
    if (previous) {
      for (const file of Object.keys(previous.sizes ?? {})) {
        if (!(file in sizes)) await Deno.remove(new URL(file, paths.outDir)).catch(() => {});
      }
    }
    return manifest;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const started = performance.now();
  const manifest = await buildIslands();
  const ms = Math.round(performance.now() - started);
  const kib = (n: number) => (n / 1024).toFixed(1);
  console.log(
    `Built ${Object.keys(manifest.sizes).length} island files into static/build/ in ${ms} ms`,
  );
  for (const [file, size] of Object.entries(manifest.sizes)) {
    console.log(
      `  ${file.padEnd(28)} ${kib(size.bytes).padStart(7)} KiB  ${kib(size.gzip)} KiB gzip`,
    );
  }
  // The browser SDK (served at /sdk.js) is built by the same task, for deployments.
  const { buildSdk } = await import("./build_sdk.ts");
  const sdk = await buildSdk();
  console.log(
    `Built the browser SDK: ${sdk.path} (${kib(sdk.bytes)} KiB, ${kib(sdk.gzipBytes)} KiB gzip)`,
  );
}
