/**
 * `deno task bench [name…]`: runs the benchmarks, prints each figure with its
 * baseline from the same run, and rewrites the figures table of
 * docs/performance.md. Names: generate, ingest, pipeline, pages, export, sdk.
 *
 * @module
 */

import type { BenchResult } from "./types.ts";

/** A benchmark suite: a module under bench/ and the function it exports. */
interface Suite {
  name: string;
  module: string;
  run: string;
}

const SUITES: Suite[] = [
  { name: "generate", module: "./generate_bench.ts", run: "benchGenerate" },
  { name: "ingest", module: "./ingest_bench.ts", run: "benchIngest" },
  { name: "pipeline", module: "./pipeline_bench.ts", run: "benchPipeline" },
  { name: "pages", module: "./pages_bench.ts", run: "benchPages" },
  { name: "export", module: "./export_bench.ts", run: "benchExport" },
  { name: "sdk", module: "./sdk_bench.ts", run: "benchSdk" },
];

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return "";
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  return Number(n.toPrecision(3)).toString();
}

/** Renders results as a Markdown table. */
export function resultsTable(results: { suite: string; result: BenchResult }[]): string {
  const rows = results.map(({ suite, result: r }) =>
    `| ${suite} | ${r.name} | ${fmt(r.value)} ${r.unit} | ${
      r.baseline === undefined ? "" : `${fmt(r.baseline)} ${r.unit}`
    } | ${r.ratio === undefined ? "" : `${fmt(r.ratio)}×`} | ${r.target ?? ""} | ${
      r.met === undefined ? "" : r.met ? "yes" : "**no**"
    } |`
  );
  return [
    "| suite | figure | value | baseline (same run) | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

const BEGIN = "<!-- bench:begin -->";
const END = "<!-- bench:end -->";

async function record(table: string, ran: string[]): Promise<void> {
  const path = new URL("../docs/performance.md", import.meta.url);
  let doc: string;
  try {
    doc = await Deno.readTextFile(path);
  } catch {
    doc = `# Performance\n\n${BEGIN}\n${END}\n`;
  }
  const stamp = `Measured ${new Date().toISOString().slice(0, 16)}Z on ${Deno.build.target}, ` +
    `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}; suites: ${ran.join(", ")}.`;
  const block = `${BEGIN}\n${stamp}\n\n${table}\n${END}`;
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  doc = start >= 0 && end > start
    ? doc.slice(0, start) + block + doc.slice(end + END.length)
    : `${doc.trimEnd()}\n\n${block}\n`;
  await Deno.writeTextFile(path, doc);
  // `deno fmt --check` (CI) covers Markdown too: keep the rewritten table formatted.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", path.pathname] }).output();
}

async function main(): Promise<void> {
  const wanted = Deno.args.filter((a) => !a.startsWith("-"));
  const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;
  const results: { suite: string; result: BenchResult }[] = [];
  const ran: string[] = [];
  for (const suite of suites) {
    let mod: Record<string, unknown>;
    try {
      mod = await import(new URL(suite.module, import.meta.url).href);
    } catch (err) {
      console.error(`Suite "${suite.name}" is not available: ${(err as Error).message}`);
      continue;
    }
    const run = mod[suite.run] as () => Promise<BenchResult[]>;
    console.log(`--- ${suite.name}`);
    for (const result of await run()) {
      results.push({ suite: suite.name, result });
      console.log(resultsTable([{ suite: suite.name, result }]).split("\n")[2]);
    }
    ran.push(suite.name);
  }
  const table = resultsTable(results);
  console.log(`\n${table}`);
  if (!Deno.args.includes("--no-record") && results.length) await record(table, ran);
}

if (import.meta.main) await main();
