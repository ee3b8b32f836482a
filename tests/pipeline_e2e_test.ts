/**
 * End to end: a generated dirty dataset goes through the ingest API
 * (`app.request`, events with `historical=1`), the pipeline drains, and every
 * figure of every read endpoint must equal the generator's `expected.json`.
 * The always-on run is small; `FULL=1` runs 30 days and 2,000 persons.
 */
import { assert, assertEquals } from "./assert.ts";
import { testConfig } from "../config.ts";
import { createApp } from "../routes/app.ts";
import { runAllJobs } from "../pipeline/jobs/mod.ts";
import { generate } from "../tasks/generate/mod.ts";

const FULL = Deno.env.get("FULL") === "1";
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

interface ExpectedFile {
  meta: {
    start: string;
    end: string;
    fx_rates: Record<string, string>;
    files: {
      events: string;
      orders: { file: string; date: string }[];
      inventory: { file: string; week: string }[];
    };
  };
  orders: Record<string, unknown>;
  events: Record<string, unknown>;
  daily: { days: unknown[] };
  retention: unknown;
  inventory: Record<string, unknown>;
}

async function endToEnd(opts: { days: number; persons: number; seed: number }): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pipeline_e2e_" });
  const kv = await Deno.openKv(":memory:");
  try {
    const end = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await generate({ ...opts, dirty: 0.05, out: dir, end });
    const expected = JSON.parse(await Deno.readTextFile(`${dir}/expected.json`)) as ExpectedFile;
    const config = testConfig({
      fxRates: expected.meta.fx_rates,
      limits: { ...testConfig().limits, ratePerSecond: 1_000_000, rateBurst: 1_000_000 },
    });
    const app = createApp({ kv, config });
    const write = { authorization: `Bearer ${config.writeKeys[0]}` };
    const admin = { authorization: `Bearer ${config.adminToken}` };

    const events = await app.request("/v1/events?historical=1", {
      method: "POST",
      headers: { ...write, "content-type": "application/x-ndjson" },
      body: await Deno.readFile(`${dir}/${expected.meta.files.events}`),
    });
    assertEquals(events.status, 200, await events.clone().text());
    for (const f of expected.meta.files.inventory) {
      const res = await app.request(`/v1/uploads/inventory?week=${f.week}`, {
        method: "POST",
        headers: { ...write, "content-type": XLSX_TYPE },
        body: await Deno.readFile(`${dir}/${f.file}`),
      });
      assertEquals(res.status, 200, `${f.file}: ${await res.clone().text()}`);
    }
    for (const f of expected.meta.files.orders) {
      const res = await app.request(`/v1/uploads/orders?date=${f.date}`, {
        method: "POST",
        headers: { ...write, "content-type": "text/csv" },
        body: await Deno.readFile(`${dir}/${f.file}`),
      });
      assertEquals(res.status, 200, `${f.file}: ${await res.clone().text()}`);
    }
    assert(Object.keys(expected.orders).length > opts.days, "expected.json has every bucket");
    assert(Object.keys(expected.inventory).length >= 1, "expected.json has inventory weeks");
    const run = await runAllJobs(kv, config);
    assertEquals(run.drained, true, JSON.stringify(run.jobs));

    const get = async (url: string) => {
      const res = await app.request(url, { headers: admin });
      assertEquals(res.status, 200, url);
      return await res.json();
    };
    for (const [bucket, want] of Object.entries(expected.orders)) {
      assertEquals(await get(`/v1/kpis/orders?bucket=${bucket}`), want, `orders ${bucket}`);
    }
    for (const [bucket, want] of Object.entries(expected.events)) {
      assertEquals(await get(`/v1/kpis/events?bucket=${bucket}`), want, `events ${bucket}`);
    }
    assertEquals(
      await get(`/v1/kpis/daily?from=${expected.meta.start}&to=${expected.meta.end}`),
      expected.daily,
      "daily",
    );
    assertEquals(await get("/v1/kpis/retention"), expected.retention, "retention");
    for (const [week, want] of Object.entries(expected.inventory)) {
      assertEquals(await get(`/v1/kpis/inventory?week=${week}`), want, `inventory ${week}`);
    }
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a generated dirty dataset ingested through the API gives expected.json exactly (small)", async () => {
  await endToEnd({ days: 9, persons: 150, seed: 7 });
});

Deno.test({
  name:
    "a generated dirty dataset ingested through the API gives expected.json exactly (30 days, 2,000 persons)",
  ignore: !FULL,
  fn: async () => {
    await endToEnd({ days: 30, persons: 2000, seed: 42 });
  },
});
