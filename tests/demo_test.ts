import { runDemo } from "../tasks/demo.ts";
import { assert } from "./assert.ts";

Deno.test({
  name: "deno task demo ends with KPIs and quality equal to the answer key",
  // The demo's server registers no cron context with --no-serve; KV and server are closed.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const ok = await runDemo({
        seed: 7,
        days: 10,
        persons: 150,
        dirty: 0.05,
        port: 0,
        out: `${dir}/out`,
        kvPath: `${dir}/demo.kv`,
        serve: false,
      });
      assert(ok, "every figure the demo prints agrees with expected.json");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
