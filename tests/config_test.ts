import { ConfigError, loadConfig, parseFxRates } from "../config.ts";
import { assert, assertEquals, assertThrows } from "./assert.ts";

Deno.test("loadConfig() refuses to start without WRITE_KEYS outside demo mode", () => {
  assertThrows(() => loadConfig({ ADMIN_TOKEN: "t" }), ConfigError, "WRITE_KEYS");
});

Deno.test("loadConfig() refuses to start without ADMIN_TOKEN outside demo mode", () => {
  assertThrows(() => loadConfig({ WRITE_KEYS: "k" }), ConfigError, "ADMIN_TOKEN");
});

Deno.test("loadConfig() in demo mode generates both secrets", () => {
  const config = loadConfig({}, { demo: true });
  assert(config.writeKeys[0].startsWith("wk_"));
  assert(config.adminToken.startsWith("adm_"));
  assert(config.demo);
});

Deno.test("loadConfig() applies the documented defaults", () => {
  const config = loadConfig({ WRITE_KEYS: "a, b", ADMIN_TOKEN: "t" });
  assertEquals(config.port, 8000);
  assertEquals(config.hostname, "127.0.0.1");
  assertEquals(config.kvPath, "./data/pipeline.kv");
  assertEquals(config.writeKeys, ["a", "b"]);
  assertEquals(config.fxRates, { USD: "1", EUR: "1.08", GBP: "1.27" });
  assertEquals(config.limits.jsonBytes, 512 * 1024);
  assertEquals(config.limits.eventBytes, 32 * 1024);
  assertEquals(config.freshness.eventsSilentMinutes, 15);
});

Deno.test("loadConfig() leaves KV_PATH unset on Deno Deploy", () => {
  const config = loadConfig({ WRITE_KEYS: "a", ADMIN_TOKEN: "t", DENO_DEPLOYMENT_ID: "x" });
  assertEquals(config.kvPath, undefined);
});

Deno.test("parseFxRates() reads a configured table and keeps USD", () => {
  assertEquals(parseFxRates("EUR=1.08,cad=0.73"), { EUR: "1.08", CAD: "0.73", USD: "1" });
  assertThrows(() => parseFxRates("EUR=1,08"), ConfigError, '"08"');
});

Deno.test("loadConfig() names the variable of a bad number", () => {
  assertThrows(
    () => loadConfig({ WRITE_KEYS: "a", ADMIN_TOKEN: "t", PORT: "eighty" }),
    ConfigError,
    "PORT",
  );
});
