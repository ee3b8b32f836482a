import { Hono } from "hono";
import { errorHandler } from "../routes/errors.ts";
import { sdkRoutes } from "../routes/sdk.ts";
import { assert, assertEquals } from "./assert.ts";

Deno.test("GET /sdk.js serves the built browser SDK as JavaScript", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/sdk.js`, "window.PipelineSDK={};");
    const app = sdkRoutes({ buildDir: new URL(`file://${dir}/`) });
    const res = await app.request("/sdk.js");
    assertEquals(res.status, 200);
    assert(res.headers.get("content-type")!.startsWith("application/javascript"));
    assertEquals(await res.text(), "window.PipelineSDK={};");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GET /sdk.mjs before a build says how to build it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const app = new Hono();
    app.onError(errorHandler());
    app.route("/", sdkRoutes({ buildDir: new URL(`file://${dir}/`) }));
    const res = await app.request("/sdk.mjs");
    assertEquals(res.status, 404);
    const body = (await res.json()).message as string;
    assert(body.includes("deno task build"), body);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
