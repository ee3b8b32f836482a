import { Hono } from "hono";
import { h } from "preact";
import Chart from "../islands/Chart.tsx";
import LiveCount from "../islands/LiveCount.tsx";
import { createAssets } from "../routes/pages/assets.ts";
import { island, renderPage } from "../routes/pages/render.ts";
import { newNonce, pageHeaders } from "../routes/pages/security.ts";
import { assert, assertEquals } from "./assert.ts";
import {
  chartInk,
  hasChromium,
  launchBrowser,
  violations,
  warnIfNoChromium,
  watchPage,
} from "./dashboard_browser.ts";

warnIfNoChromium("dashboard_islands_browser_test");

const TRICKY = "Revenue </script><!-- \u2028 & <b>bold</b>";

/** A minimal app serving island pages through the real renderer and build. */
function islandApp() {
  const assets = createAssets();
  const app = new Hono();
  let live = 41;
  app.get("/static/build/:file", (c) => assets.serveBuild(c));
  app.get("/live", (c) => c.json({ value: ++live, as_of: new Date().toISOString() }));
  app.get("/", async (c) => {
    const nonce = newNonce();
    const labels = Array.from({ length: 200 }, (_, i) => `d${i}`);
    const { html } = renderPage({
      title: "Islands",
      nonce,
      manifest: await assets.manifest(),
      body: h("main", null, [
        h("div", { id: "chart" }, [
          h("p", null, "before"),
          island(Chart, {
            id: "long",
            labels,
            series: [
              { name: TRICKY, values: labels.map((_, i) => 1000 + ((i * 37) % 400)) },
              {
                name: "Previous",
                values: labels.map((_, i) => 900 + ((i * 11) % 300)),
                dashed: true,
              },
            ],
            unit: "cents",
            summary: "A long series",
          }),
          h("p", null, "after"),
        ]),
        h(
          "div",
          { id: "live" },
          island(LiveCount, {
            url: "/live",
            initial: 41,
            asOf: new Date().toISOString(),
            intervalMs: 200,
          }),
        ),
      ]),
    });
    return c.body(html, 200, pageHeaders(nonce));
  });
  app.get("/injected", async (c) => {
    const nonce = newNonce();
    const { html } = renderPage({
      title: "Injected",
      nonce,
      manifest: await assets.manifest(),
      body: h("div", {
        dangerouslySetInnerHTML: { __html: "<script>window.__pwned = 1</script><p>x</p>" },
      }),
    });
    return c.body(html, 200, pageHeaders(nonce));
  });
  return app;
}

Deno.test({
  name: "islands in a real browser",
  ignore: !hasChromium,
  // Playwright keeps its own child process and pipes, which the sanitizers would flag.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, islandApp().fetch);
    const browser = await launchBrowser();
    try {
      await t.step(
        "they hydrate in their marked ranges under the CSP, draw, and poll",
        async () => {
          const page = await browser.newPage();
          const { errors } = await watchPage(page);
          const scripts: string[] = [];
          page.on("request", (r) => {
            if (r.resourceType() === "script") scripts.push(new URL(r.url()).pathname);
          });
          await page.goto(`http://127.0.0.1:${server.addr.port}/`);
          await page.waitForFunction(() => document.documentElement.dataset.islands === "hydrated");

          const ink = await chartInk(page);
          assert(ink.long > 500, `the chart drew ${ink.long} pixels`);
          // Hydration reused the server's nodes in place: the siblings around the island are intact.
          const around = await page.evaluate(() =>
            [...document.querySelectorAll("#chart > p")].map((p) => p.textContent)
          );
          assertEquals(around, ["before", "after"]);
          assertEquals(await page.locator("#chart .chart").count(), 1, "one chart, not a copy");
          // Props with HTML-looking text arrive intact, as text.
          assertEquals(await page.locator("#chart .legend li").first().textContent(), TRICKY);
          // The live figure polls and updates.
          await page.waitForFunction(() => {
            const v = document.querySelector("[data-live-value]")?.getAttribute("data-live-value");
            return Number(v) > 42;
          });
          // Decimation: the long series is drawn with fewer points than it has.
          const points = await page.getAttribute("canvas[data-chart=long]", "data-points");
          assert(Number(points) > 10 && Number(points) <= 130, `200 points decimated to ${points}`);
          assertEquals(await violations(page), [], "no CSP violations");
          assertEquals(errors, [], "no console errors");
          assert(scripts.every((s) => s.startsWith("/static/build/")), scripts.join(", "));
          assert(scripts.some((s) => s.includes("chart_setup")), "Chart.js was loaded");
        },
      );
      await t.step("the CSP blocks an inline script without the nonce", async () => {
        const page = await browser.newPage();
        await watchPage(page);
        await page.goto(`http://127.0.0.1:${server.addr.port}/injected`);
        assertEquals(
          await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
          undefined,
        );
        const seen = await violations(page);
        assert(seen.some((v) => v.startsWith("script-src")), `violations: ${seen.join(", ")}`);
      });
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
