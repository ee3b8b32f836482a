import { createApp } from "../routes/app.ts";
import { testConfig } from "../config.ts";
import { assert, assertEquals } from "./assert.ts";

Deno.test("GET /healthz answers without credentials", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const res = await createApp({ kv, config: testConfig() }).request("/healthz");
    assertEquals(res.status, 200);
    assertEquals(await res.json(), { ok: true });
  } finally {
    kv.close();
  }
});

Deno.test("an unknown path answers a JSON 404", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const res = await createApp({ kv, config: testConfig() }).request("/nope");
    assertEquals(res.status, 404);
    assertEquals((await res.json()).error, "not_found");
  } finally {
    kv.close();
  }
});

Deno.test("main.ts refuses to start without WRITE_KEYS and says why", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL("../main.ts", import.meta.url).pathname],
    env: { ADMIN_TOKEN: "secret-admin", KV_PATH: ":memory:", DISABLE_CRON: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 1);
  assert(stderr.includes("WRITE_KEYS is required"), stderr);
  assert(!stderr.includes("secret-admin"), "the admin token never appears in logs");
});
