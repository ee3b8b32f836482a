import { chromium } from "playwright-core";
import { assert, assertEquals } from "./assert.ts";
import { startFakeServer } from "./sdk_fake_server.ts";
import { WRITE_KEY } from "./sdk_helpers.ts";
import { buildSdk } from "../tasks/build_sdk.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium) {
  console.warn(`sdk_browser_test: skipped, ${CHROMIUM} is missing (apt-get install chromium)`);
}

/** A page that loads the built SDK with a script tag, which creates `window.pipeline`. */
const PAGE = `<!doctype html><html><head><title>Shop</title>
<script src="/sdk.js" data-write-key="${WRITE_KEY}"></script></head>
<body><h1>Shop</h1></body></html>`;

function html(body: string): Response {
  return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
}

/** Makes the page hidden the way a tab switch does, then tells its listeners. */
function hidePage(): void {
  Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}

Deno.test({
  name: "browser build flushes at page hide with keepalive or sendBeacon, and queues offline",
  ignore: !hasChromium,
  // Playwright keeps its own child process and pipes, which Deno's sanitizers would flag.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const outDir = await Deno.makeTempDir({ prefix: "sdk_browser_" });
    const built = await buildSdk({ outDir });
    const sdk = await Deno.readFile(built.path);
    const server = startFakeServer({
      writeKey: WRITE_KEY,
      routes: {
        "/": () => html(PAGE),
        "/next": () => html("<!doctype html><title>Next</title><p>next</p>"),
        "/sdk.js": () =>
          new Response(sdk, { headers: { "content-type": "application/javascript" } }),
      },
    });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      headless: true,
    });
    const received = () => [...server.accepted.values()];
    const named = (name: string) => received().filter((e) => e.event === name);
    try {
      await t.step(
        "visibilitychange to hidden sends with keepalive and the key in the body",
        async () => {
          const page = await browser.newPage();
          await page.goto(server.url + "/");
          await page.evaluate(() => {
            const w = globalThis as unknown as { pipeline: { track(e: string, p: object): void } };
            for (let n = 0; n < 3; n++) w.pipeline.track("Hidden", { n });
          });
          await new Promise((r) => setTimeout(r, 150));
          assertEquals(named("Hidden").length, 0, "nothing is sent before the page hides");
          await page.evaluate(hidePage);
          await server.waitFor(() => named("Hidden").length === 3);
          const request = server.requests.find((r) => r.events.some((e) => e.event === "Hidden"))!;
          assertEquals(request.auth, "body");
          // Exactly what the keepalive fetch sets; a beacon would add ";charset=UTF-8".
          assertEquals(request.contentType, "text/plain");
          assert(typeof request.sentAt === "string", "sentAt is set");
          const event = named("Hidden")[0];
          const stored = await page.evaluate(() => localStorage.getItem("pipeline_anonymous_id"));
          assertEquals(event.anonymousId, stored);
          assertEquals((event.context as { page: { title: string } }).page.title, "Shop");
          await page.close();
        },
      );

      await t.step("without keepalive support it falls back to sendBeacon", async () => {
        const page = await browser.newPage();
        await page.addInitScript(() => {
          delete (Request.prototype as { keepalive?: boolean }).keepalive;
          const w = globalThis as unknown as { beacons: number };
          w.beacons = 0;
          const send = navigator.sendBeacon.bind(navigator);
          navigator.sendBeacon = (url, data) => {
            w.beacons++;
            return send(url, data);
          };
        });
        await page.goto(server.url + "/");
        await page.evaluate(() => {
          const w = globalThis as unknown as { pipeline: { track(e: string, p: object): void } };
          w.pipeline.track("Beaconed", { n: 0 });
          w.pipeline.track("Beaconed", { n: 1 });
        });
        await page.evaluate(hidePage);
        await server.waitFor(() => named("Beaconed").length === 2);
        assertEquals(await page.evaluate(() => (globalThis as { beacons?: number }).beacons), 1);
        const request = server.requests.find((r) => r.events.some((e) => e.event === "Beaconed"))!;
        assertEquals(request.auth, "body");
        assertEquals(request.contentType, "text/plain;charset=UTF-8");
        await page.close();
      });

      await t.step(
        "a large queue at page hide sends under 64 KiB and requeues the rest",
        async () => {
          const page = await browser.newPage();
          await page.goto(server.url + "/");
          await page.evaluate((key) => {
            const w = globalThis as unknown as {
              PipelineSDK: { createClient(o: object): { track(e: string, p: object): void } };
            };
            const client = w.PipelineSDK.createClient({
              writeKey: key,
              host: location.origin,
              flushIntervalMs: 200,
            });
            for (let n = 0; n < 6; n++) client.track("Bulky", { n, pad: "b".repeat(20_000) });
          }, WRITE_KEY);
          await page.evaluate(hidePage);
          await server.waitFor(() => named("Bulky").length === 6);
          const requests = server.requests.filter((r) => r.events.some((e) => e.event === "Bulky"));
          // At most 64 KiB may be in flight at exit (keepalive and beacons share Chromium's
          // quota): the first chunk goes, the rest is refused, requeued and, as the page
          // lives on, sent the normal way.
          const atExit = requests.filter((r) => r.auth === "body");
          assert(atExit.length >= 1, "a page-hide request");
          for (const r of atExit) assert(r.bytes < 65536, `a keepalive body of ${r.bytes} bytes`);
          assert(requests.some((r) => r.auth === "header"), "the rest went the normal way");
          assertEquals(new Set(requests.flatMap((r) => r.messageIds)).size, 6);
          await page.close();
        },
      );

      await t.step("leaving the page (pagehide) delivers what was queued", async () => {
        const page = await browser.newPage();
        await page.goto(server.url + "/");
        await page.evaluate(() => {
          const w = globalThis as unknown as { pipeline: { page(): void; track(e: string): void } };
          w.pipeline.page();
          w.pipeline.track("Leaving");
        });
        await page.goto(server.url + "/next");
        await server.waitFor(() => named("Leaving").length === 1);
        const pages = received().filter((e) => e.type === "page");
        assert(pages.length >= 1, "the page event arrived");
        assertEquals((pages[0].properties as { path: string }).path, "/");
        await page.close();
      });

      await t.step(
        "offline events wait in the queue and go when the browser is online",
        async () => {
          const context = await browser.newContext();
          const page = await context.newPage();
          await page.goto(server.url + "/");
          await context.setOffline(true);
          await page.evaluate((key) => {
            const w = globalThis as unknown as {
              PipelineSDK: { createClient(o: object): { track(e: string, p: object): void } };
            };
            const client = w.PipelineSDK.createClient({
              writeKey: key,
              host: location.origin,
              flushAt: 2,
            });
            for (let n = 0; n < 4; n++) client.track("Offline", { n });
          }, WRITE_KEY);
          await new Promise((r) => setTimeout(r, 200));
          assertEquals(named("Offline").length, 0);
          await context.setOffline(false);
          await server.waitFor(() => named("Offline").length === 4);
          await context.close();
        },
      );

      await t.step("events unsent when a page dies are resent by the next page", async () => {
        const context = await browser.newContext();
        const first = await context.newPage();
        await first.goto(server.url + "/");
        await context.setOffline(true);
        // Chromium's offline emulation does not always hold back a page-hide beacon: the
        // server also turns away whatever reaches it until the next page comes.
        server.faults.push(
          ...Array.from({ length: 50 }, () => ({ kind: "status", status: 503 }) as const),
        );
        await first.evaluate((key) => {
          const w = globalThis as unknown as {
            PipelineSDK: { createClient(o: object): { track(e: string, p: object): void } };
          };
          const client = w.PipelineSDK.createClient({ writeKey: key, host: location.origin });
          client.track("Survivor", { n: 0 });
          client.track("Survivor", { n: 1 });
          dispatchEvent(new Event("pagehide"));
        }, WRITE_KEY);
        await first.waitForFunction(() =>
          Object.keys(localStorage).some((k) => k.startsWith("pipeline_queue:"))
        );
        await first.close();
        assertEquals(named("Survivor").length, 0);
        server.faults.length = 0;
        await context.setOffline(false);
        const second = await context.newPage();
        await second.goto(server.url + "/");
        await server.waitFor(() => named("Survivor").length === 2);
        await second.waitForFunction(() =>
          !Object.keys(localStorage).some((k) => k.startsWith("pipeline_queue:"))
        );
        await context.close();
      });
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(outDir, { recursive: true });
    }
    console.log(`sdk.js: ${built.bytes} bytes, ${built.gzipBytes} bytes gzipped`);
  },
});
