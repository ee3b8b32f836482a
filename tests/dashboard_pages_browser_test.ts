import type { Page } from "playwright-core";
import { testConfig } from "../config.ts";
import { addDays, dayOf, isoWeekOf } from "../pipeline/contracts/buckets.ts";
import { runAllJobs } from "../pipeline/jobs/mod.ts";
import { listQuarantine, readPipelineReport, readQuality } from "../pipeline/monitoring/mod.ts";
import {
  readDaily,
  readEventKpis,
  readInventoryKpis,
  readOrderKpis,
  readRetention,
} from "../pipeline/read/mod.ts";
import { createApp } from "../routes/app.ts";
import { perMille } from "../islands/format.ts";
import { assert, assertEquals } from "./assert.ts";
import {
  chartInk,
  hasChromium,
  launchBrowser,
  violations,
  warnIfNoChromium,
  watchPage,
} from "./dashboard_browser.ts";
import { seedThroughApi } from "./dashboard_fixtures.ts";

warnIfNoChromium("dashboard_pages_browser_test");

const PAGES = ["/", "/products", "/customers", "/quality", "/pipeline", "/alerts"];
const SCREENSHOTS = Deno.env.get("DASHBOARD_SCREENSHOTS") === "1";
const SHOT_NAMES: Record<string, string> = {
  "/": "overview",
  "/products": "products",
  "/customers": "customers",
  "/quality": "quality",
  "/pipeline": "pipeline",
  "/alerts": "alerts",
};

/** Where screenshots go (`DASHBOARD_SCREENSHOTS=1`): docs/screenshots/. */
function shotPath(name: string): string {
  return new URL(`../docs/screenshots/${name}`, import.meta.url).pathname;
}

/** The raw figure of a KPI tile. */
async function kpi(page: Page, id: string): Promise<number | null> {
  const v = await page.getAttribute(`[data-kpi="${id}"] [data-value]`, "data-value");
  return v === null || v === "" ? null : Number(v);
}

/** The raw figures of one column of a table (by `data-table`), in row order. */
function column(page: Page, table: string, nth: number): Promise<(number | null)[]> {
  return page.$$eval(
    `table[data-table="${table}"] tbody tr`,
    (rows, n) =>
      rows.map((r) => {
        const v = r.querySelectorAll("[data-value]")[n]?.getAttribute("data-value");
        return v === undefined || v === null || v === "" ? null : Number(v);
      }),
    nth,
  );
}

/** Waits until the page's islands are hydrated (if it has any) and every chart has drawn. */
async function settle(page: Page): Promise<Record<string, number>> {
  const hasIslands = await page.$$eval("script[type=module]", (s) => s.length > 0);
  if (hasIslands) {
    await page.waitForFunction(() => document.documentElement.dataset.islands === "hydrated");
  }
  return await chartInk(page);
}

Deno.test({
  name: "the dashboard in a real browser, on data sent through the API",
  ignore: !hasChromium,
  // Playwright keeps its own child process and pipes, which the sanitizers would flag.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const kv = await Deno.openKv(":memory:");
    const seedConfig = testConfig();
    // The server knows a currency the ingest did not: its quarantined lines become replayable.
    const config = testConfig({ fxRates: { ...seedConfig.fxRates, XYZ: "0.5" } });
    const now = Date.now();
    const today = dayOf(now);
    const yesterday = addDays(today, -1);
    await seedThroughApi(kv, seedConfig, {
      days: 35,
      persons: 150,
      end: yesterday,
      dirty: 0.12,
      seed: 11,
    });
    // One order line in a currency the ingest does not know: quarantined as unknown_currency.
    const upload = await createApp({ kv, config: seedConfig }).request(
      `/v1/uploads/orders?date=${yesterday}`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${seedConfig.writeKeys[0]}`,
          "content-type": "text/csv",
        },
        body: "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,currency,discount," +
          "status,country,channel\n" +
          `XYZ-ORDER-1,1,cust-xyz,${yesterday}T12:00:00Z,SKU-XYZ,2,10.00,XYZ,0,placed,US,web\n`,
      },
    );
    assertEquals((await upload.json()).quarantined, 1);
    const app = createApp({ kv, config });
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const { errors } = await watchPage(page);
    const scriptsOf = new Map<string, string[]>();
    let currentPath = "";
    page.on("request", (r) => {
      if (r.resourceType() === "script") {
        scriptsOf.set(currentPath, [...(scriptsOf.get(currentPath) ?? []), r.url()]);
      }
    });
    const visit = async (path: string) => {
      currentPath = path;
      await page.goto(base + path);
      return await settle(page);
    };
    try {
      await t.step(
        "without a session, pages redirect to sign-in and actions are refused",
        async () => {
          for (const path of PAGES) {
            const res = await fetch(base + path, {
              redirect: "manual",
              headers: { accept: "text/html" },
            });
            await res.body?.cancel();
            assertEquals(res.status, 303, path);
            assertEquals(
              res.headers.get("location"),
              `/login?next=${encodeURIComponent(path)}`,
              path,
            );
          }
          const live = await fetch(base + "/live/events-today");
          assertEquals(live.status, 401);
          await live.body?.cancel();
          for (const action of ["/quality/replay", "/pipeline/run"]) {
            const res = await fetch(base + action, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
              body: "ids=x",
              redirect: "manual",
            });
            await res.body?.cancel();
            assertEquals(res.status, 401, action);
          }
          await page.goto(base + "/products");
          assert(page.url().startsWith(`${base}/login?next=`), page.url());
        },
      );

      await t.step("signs in with the admin token", async () => {
        await page.fill("#token", config.adminToken);
        await page.click("button[type=submit]");
        await page.waitForURL(`${base}/products`);
        const cookies = await context.cookies();
        const session = cookies.find((c) => c.name === "dash_session");
        assert(session?.httpOnly, "the session cookie is HttpOnly");
        assertEquals(session?.sameSite, "Strict");
      });

      await t.step("overview figures equal the read functions, charts draw", async () => {
        const ink = await visit("/");
        const week = isoWeekOf(now);
        const [orders, events] = await Promise.all([
          readOrderKpis(kv, week),
          readEventKpis(kv, week),
        ]);
        assertEquals(await kpi(page, "revenue"), orders.revenue_cents);
        assertEquals(await kpi(page, "orders"), orders.orders);
        assertEquals(await kpi(page, "aov"), orders.aov_cents);
        assertEquals(await kpi(page, "persons"), events.persons);
        assertEquals(
          await kpi(page, "conversion"),
          perMille(events.funnel.reached[3], events.funnel.reached[0]),
        );
        assertEquals(Object.keys(ink).sort(), ["events", "orders", "revenue"]);
        for (const [id, n] of Object.entries(ink)) assert(n > 300, `chart ${id} drew ${n} px`);
        const days = await page.$$eval(
          `table[data-table="revenue"] tbody th`,
          (ths) => ths.length,
        );
        assertEquals(days, 7);
        // The revenue table's days up to today equal the daily series.
        const { from } = { from: addDays(today, -((new Date(now).getUTCDay() + 6) % 7)) };
        const daily = await readDaily(kv, from, today);
        const shown = (await column(page, "revenue", 0)).slice(0, daily.days.length);
        assertEquals(shown, daily.days.map((d) => d.revenue_cents));
      });

      await t.step("the live figure follows new events", async () => {
        const before = Number(await page.getAttribute("[data-live-value]", "data-live-value"));
        assertEquals(before, (await readEventKpis(kv, today)).events);
        const res = await app.request("/v1/track", {
          method: "POST",
          headers: {
            authorization: `Bearer ${config.writeKeys[0]}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({
            userId: "live-test",
            event: "Product Viewed",
            messageId: `live-${now}`,
            timestamp: new Date().toISOString(),
          }),
        });
        assertEquals(res.status, 200);
        await runAllJobs(kv, config);
        await page.waitForFunction(
          (n) =>
            Number(document.querySelector("[data-live-value]")?.getAttribute("data-live-value")) >
              n,
          before,
          { timeout: 20_000 },
        );
      });

      await t.step("changing the period changes the figures", async () => {
        await page.selectOption('select[name="period"]', "month");
        await page.fill('input[name="date"]', yesterday);
        await page.click(".period button[type=submit]");
        await page.waitForURL((u) => u.searchParams.get("period") === "month");
        await settle(page);
        const month = yesterday.slice(0, 7);
        assertEquals(await kpi(page, "revenue"), (await readOrderKpis(kv, month)).revenue_cents);
        // A custom range sums the daily series exactly.
        const from = addDays(yesterday, -9);
        await page.selectOption('select[name="period"]', "custom");
        await page.fill('input[name="from"]', from);
        await page.fill('input[name="to"]', yesterday);
        await page.click(".period button[type=submit]");
        await page.waitForURL((u) => u.searchParams.get("period") === "custom");
        await settle(page);
        const daily = await readDaily(kv, from, yesterday);
        const sum = daily.days.reduce((s, d) => s + d.revenue_cents, 0);
        assertEquals(await kpi(page, "revenue"), sum);
        assertEquals(await kpi(page, "conversion"), null, "no conversion for custom ranges");
        // The previous-period link goes to the ten days before.
        await page.click('a[rel="prev"]');
        await page.waitForURL((u) => u.searchParams.get("to") === addDays(from, -1));
        const before = await readDaily(kv, addDays(from, -10), addDays(from, -1));
        assertEquals(
          await kpi(page, "revenue"),
          before.days.reduce((s, d) => s + d.revenue_cents, 0),
        );
      });

      await t.step("products figures equal the read functions", async () => {
        await visit("/products");
        const month = today.slice(0, 7);
        const orders = await readOrderKpis(kv, month);
        assertEquals(
          await column(page, "top-products", 0),
          orders.top_products.map((p) => p.revenue_cents),
        );
        assertEquals(
          await column(page, "categories", 0),
          orders.categories.map((c) => c.revenue_cents),
        );
        const inv = await readInventoryKpis(kv, "latest");
        assert(inv, "an inventory snapshot was processed");
        assertEquals(await kpi(page, "inv-skus"), inv.skus);
        assertEquals(await kpi(page, "inv-value"), inv.stock_value_cents);
        assertEquals(await kpi(page, "inv-stockouts"), inv.stockout_rows);
        assertEquals(await kpi(page, "inv-low"), inv.low_stock_rows);
        assertEquals(await kpi(page, "inv-cover"), inv.days_of_cover);
      });

      await t.step("customers figures equal the read functions", async () => {
        const ink = await visit("/customers?period=all");
        const events = await readEventKpis(kv, "all");
        assertEquals(await column(page, "funnel", 0), events.funnel.reached);
        const retention = await readRetention(kv);
        const sizes = await page.$$eval(
          'table[data-table="retention"] tbody tr',
          (rows) =>
            rows.map((r) => [
              r.getAttribute("data-cohort"),
              Number(r.querySelector("[data-value]")?.getAttribute("data-value")),
            ]),
        );
        const expected = retention.cohorts.slice(-16).reverse().map((c) => [c.cohort, c.active[0]]);
        assertEquals(sizes, expected);
        assert((ink["retention-curve"] ?? 0) > 300, "the retention curve drew");
        const orders = await readOrderKpis(kv, "all");
        assertEquals(
          await kpi(page, "repeat-rate"),
          perMille(orders.repeat_customers, orders.customers),
        );
      });

      await t.step("pipeline figures equal the read functions", async () => {
        await visit("/pipeline");
        const report = await readPipelineReport(kv, { now: Date.now() });
        assertEquals(
          await column(page, "stages", 0),
          report.stages.map((s) => s.backlog),
        );
      });

      await t.step("the alerts page ships no JavaScript", async () => {
        scriptsOf.delete("/alerts");
        await visit("/alerts");
        assertEquals(scriptsOf.get("/alerts") ?? [], []);
        assertEquals(await page.$$eval("script", (s) => s.length), 0);
      });

      await t.step("replaying a quarantined record moves the counts", async () => {
        const target = (await listQuarantine(kv, { reason: "unknown_currency", limit: 50 }))
          .records.find((r) => r.raw.includes("XYZ-ORDER-1"));
        assert(target, "the line in XYZ is quarantined");
        const revenueBefore = (await readOrderKpis(kv, yesterday)).revenue_cents;
        await visit("/quality?q_reason=unknown_currency");
        const quarantinedBefore = await kpi(page, "quarantined");
        const acceptedBefore = await kpi(page, "accepted");
        const report = await readQuality(kv, config, { from: addDays(today, -27), to: today });
        assertEquals(quarantinedBefore, report.days.reduce((s, d) => s + d.quarantined, 0));
        await page.check(`tr[data-record="${target.id}"] input[name="ids"]`);
        await page.click('form[data-form="replay"] button[type=submit]');
        await page.waitForSelector('[data-notice="replay"]');
        await settle(page);
        const notice = await page.textContent('[data-notice="replay"]');
        assert(notice?.includes("1 accepted"), notice ?? "");
        assertEquals(await kpi(page, "quarantined"), quarantinedBefore! - 1);
        assertEquals(await kpi(page, "accepted"), acceptedBefore! + 1);
        assert(
          await page.isDisabled(`tr[data-record="${target.id}"] input[name="ids"]`),
          "a replayed record cannot be selected again",
        );
        // Running the pipeline from the dashboard applies the replayed line.
        await visit("/pipeline");
        await page.click('form[data-form="run"] button[type=submit]');
        await page.waitForSelector('[data-notice="run"]');
        await settle(page);
        const stages = await column(page, "stages", 0);
        assertEquals(stages, [0, 0, 0]);
        // 2 × 10.00 XYZ at 0.5 USD = 1,000 cents more revenue that day, on the page too.
        await visit(`/?period=day&date=${yesterday}`);
        assertEquals(await kpi(page, "revenue"), revenueBefore + 1000);
        assertEquals((await readOrderKpis(kv, yesterday)).revenue_cents, revenueBefore + 1000);
      });

      await t.step("every page works on a phone screen", async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        for (const path of PAGES) {
          const ink = await visit(path);
          for (const [id, n] of Object.entries(ink)) assert(n > 200, `${path} ${id} drew ${n} px`);
          const overflow = await page.evaluate(() =>
            document.documentElement.scrollWidth - document.documentElement.clientWidth
          );
          assertEquals(overflow, 0, `${path} scrolls sideways`);
          if (SCREENSHOTS) {
            await page.screenshot({
              path: shotPath(`${SHOT_NAMES[path]}-phone.png`),
              fullPage: true,
            });
          }
        }
        await page.setViewportSize({ width: 1280, height: 900 });
        if (SCREENSHOTS) {
          for (const path of PAGES) {
            await visit(path);
            await page.screenshot({
              path: shotPath(`${SHOT_NAMES[path]}-desktop.png`),
              fullPage: true,
            });
          }
        }
      });

      await t.step("no CSP violation or console error on any page", async () => {
        assertEquals(await violations(page), []);
        assertEquals(errors, []);
      });

      await t.step("signing out ends the session", async () => {
        await visit("/");
        await page.click(".signout button");
        await page.waitForURL(`${base}/login?signed_out=1`);
        await page.goto(base + "/");
        assert(page.url().startsWith(`${base}/login`), page.url());
      });
    } finally {
      await browser.close();
      await server.shutdown();
      kv.close();
    }
  },
});
