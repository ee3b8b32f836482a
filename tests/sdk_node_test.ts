import { assertEquals } from "./assert.ts";
import { numbers, range, WRITE_KEY } from "./sdk_helpers.ts";
import { startFakeServer } from "./sdk_fake_server.ts";
import { buildSdk } from "../tasks/build_sdk.ts";

const nodeVersion = await (async () => {
  try {
    const { code, stdout } = await new Deno.Command("node", { args: ["--version"] }).output();
    return code === 0 ? new TextDecoder().decode(stdout).trim() : undefined;
  } catch {
    return undefined;
  }
})();
if (!nodeVersion) console.warn("sdk_node_test: skipped, no `node` on PATH");

/** Runs in Node against the ES module build: no Deno API, only Node's global fetch. */
const SCRIPT = `
import { createClient } from "./sdk.mjs";
const [host, writeKey] = process.argv.slice(2);
const errors = [];
const client = createClient({
  writeKey, host, flushAt: 10, retryBaseMs: 5, retryMaxMs: 20, onError: (e) => errors.push(e),
});
for (let n = 0; n < 25; n++) client.productViewed({ sku: "SKU-" + n, n });
await client.close();
console.log(JSON.stringify({ errors, anonymousId: client.user().anonymousId }));
`;

Deno.test({
  name: "the ES module build delivers through faults from Node",
  ignore: !nodeVersion,
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "sdk_node_" });
    const server = startFakeServer({ writeKey: WRITE_KEY });
    try {
      await buildSdk({ outDir });
      await Deno.writeTextFile(`${outDir}/run.mjs`, SCRIPT);
      server.faults.push({ kind: "status", status: 503 }, { kind: "drop", commit: true });
      const { code, stdout, stderr } = await new Deno.Command("node", {
        args: ["run.mjs", server.url, WRITE_KEY],
        cwd: outDir,
      }).output();
      const out = new TextDecoder().decode(stdout);
      assertEquals(code, 0, new TextDecoder().decode(stderr));
      const result = JSON.parse(out) as { errors: unknown[]; anonymousId: string };
      assertEquals(result.errors, []);
      assertEquals(numbers(server.accepted.values()), range(25));
      assertEquals(server.requests.map((r) => r.outcome), [503, "drop", 200, 200, 200]);
      assertEquals(server.requests[1].messageIds, server.requests[0].messageIds);
      for (const r of server.requests) assertEquals(r.auth, "header");
      const anonymous = new Set([...server.accepted.values()].map((e) => e.anonymousId));
      assertEquals(anonymous, new Set([result.anonymousId]));
    } finally {
      await server.close();
      await Deno.remove(outDir, { recursive: true });
    }
  },
});
