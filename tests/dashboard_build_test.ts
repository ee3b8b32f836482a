import {
  buildIslands,
  type BuildPaths,
  defaultBuildPaths,
  islandSourceHash,
  readManifest,
} from "../tasks/build.ts";
import { ensureIslandBuild } from "../routes/pages/assets.ts";
import { ISLAND_FILES } from "../islands/registry.ts";
import { assert, assertEquals } from "./assert.ts";

async function tempPaths(): Promise<BuildPaths> {
  const dir = await Deno.makeTempDir({ prefix: "dashboard_build_" });
  return { root: defaultBuildPaths().root, outDir: new URL(`file://${dir}/`) };
}

Deno.test("buildIslands() writes content-hashed browser bundles and a manifest", async () => {
  const paths = await tempPaths();
  try {
    const manifest = await buildIslands(paths);
    assertEquals(Object.keys(manifest.islands).sort(), Object.keys(ISLAND_FILES).sort());
    assert(/^boot-[0-9a-f]{10}\.js$/.test(manifest.boot), manifest.boot);
    assert(/^Chart-[0-9a-f]{10}\.js$/.test(manifest.islands.Chart), manifest.islands.Chart);
    assert(/^dashboard-[0-9a-f]{10}\.css$/.test(manifest.css), manifest.css);
    assertEquals(manifest.sourceHash, await islandSourceHash(paths.root));
    for (const [file, size] of Object.entries(manifest.sizes)) {
      const bytes = await Deno.readFile(new URL(file, paths.outDir));
      assertEquals(bytes.byteLength, size.bytes, file);
      assert(size.gzip > 0 && size.gzip <= size.bytes + 30, `${file} gzip size`);
    }
    // Every import of every bundle is a file of the build.
    for (const [file, deps] of Object.entries(manifest.imports)) {
      for (const dep of deps) assert(dep in manifest.sizes, `${file} imports missing ${dep}`);
    }
    // The client bundle uses the automatic JSX runtime, not server-only HTML templates.
    const chart = await Deno.readTextFile(new URL(manifest.islands.Chart, paths.outDir));
    assert(!chart.includes("$$_tpl"), "no precompiled templates in browser code");
    // Chart.js is a lazily imported chunk of the chart island only.
    const boot = manifest.imports[manifest.boot];
    const live = manifest.imports[manifest.islands.LiveCount];
    const chartDeps = manifest.imports[manifest.islands.Chart];
    const chartOnly = chartDeps.filter((d) => !live.includes(d) && !boot.includes(d));
    assert(chartOnly.length >= 1, "the chart island has a chunk of its own (Chart.js)");
    assert(
      chartOnly.some((d) => manifest.sizes[d].bytes > 50_000),
      "Chart.js is in a chunk only the chart island loads",
    );
  } finally {
    await Deno.remove(paths.outDir, { recursive: true });
  }
});

Deno.test("the same sources build to the same file names", async () => {
  const paths = await tempPaths();
  try {
    const first = await buildIslands(paths);
    const second = await buildIslands(paths);
    assertEquals(second.islands, first.islands);
    assertEquals(second.boot, first.boot);
    assertEquals(Object.keys(second.sizes).sort(), Object.keys(first.sizes).sort());
    const left = [...Deno.readDirSync(paths.outDir)].map((e) => e.name).sort();
    assertEquals(left, [...Object.keys(first.sizes), "manifest.json"].sort(), "no leftovers");
  } finally {
    await Deno.remove(paths.outDir, { recursive: true });
  }
});

Deno.test("ensureIslandBuild() builds when missing, then only reads and fingerprints", async () => {
  const paths = await tempPaths();
  try {
    const first = await ensureIslandBuild(paths);
    assertEquals(first.state, "built");
    const started = performance.now();
    const second = await ensureIslandBuild(paths);
    const ms = performance.now() - started;
    assertEquals(second.state, "fresh");
    assertEquals(second.manifest, first.manifest);
    assert(ms < 500, `the fresh check took ${ms} ms`);
    // A build made from other sources is rebuilt.
    const manifestUrl = new URL("manifest.json", paths.outDir);
    const stale = { ...(await readManifest(paths.outDir))!, sourceHash: "0".repeat(32) };
    await Deno.writeTextFile(manifestUrl, JSON.stringify(stale));
    assertEquals((await ensureIslandBuild(paths)).state, "built");
    assertEquals(
      (await readManifest(paths.outDir))?.sourceHash,
      await islandSourceHash(paths.root),
    );
  } finally {
    await Deno.remove(paths.outDir, { recursive: true });
  }
});

Deno.test("ensureIslandBuild() keeps a stale build when it cannot rebuild", async () => {
  const paths = await tempPaths();
  try {
    await buildIslands(paths);
    const manifestUrl = new URL("manifest.json", paths.outDir);
    const stale = { ...(await readManifest(paths.outDir))!, sourceHash: "stale" };
    await Deno.writeTextFile(manifestUrl, JSON.stringify(stale));
    // A root without sources to bundle: the rebuild fails, the old build stays in use.
    const broken = { root: new URL("file:///nonexistent-root/"), outDir: paths.outDir };
    const result = await ensureIslandBuild(broken);
    assertEquals(result.manifest?.sourceHash, "stale");
    assert(result.state === "fresh" || result.state === "stale", result.state);
  } finally {
    await Deno.remove(paths.outDir, { recursive: true });
  }
});
