/**
 * Size of the browser SDK as shipped (`/sdk.js`, gzip), against the 6 KB
 * target; the same-run baseline is the same bundle built without
 * minification, which shows what minification buys.
 *
 * @module
 */

import type { BenchResult } from "./types.ts";
import { buildSdk } from "../tasks/build_sdk.ts";

async function gzipBytes(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function unminifiedGzip(dir: string): Promise<number> {
  const out = `${dir}/sdk.plain.js`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform=browser", "--format=iife", "-o", out, "sdk/browser.ts"],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  return gzipBytes(await Deno.readFile(out));
}

/** Builds the SDK into a temporary folder and reports its shipped size. */
export async function benchSdk(): Promise<BenchResult[]> {
  const dir = await Deno.makeTempDir();
  try {
    const built = await buildSdk({ outDir: dir });
    const plain = await unminifiedGzip(dir);
    const kb = built.gzipBytes / 1000;
    return [{
      name: "sdk: /sdk.js size, gzip (baseline: same bundle unminified)",
      value: Number(kb.toFixed(2)),
      unit: "KB",
      baseline: Number((plain / 1000).toFixed(2)),
      ratio: built.gzipBytes / plain,
      target: "≤ 6 KB",
      met: kb <= 6,
    }];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
