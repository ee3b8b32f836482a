import { assert, assertEquals } from "./assert.ts";
import { dumpGold, landEvents, type TestEvent } from "./pipeline_fixtures.ts";
import { testConfig } from "../config.ts";
import { goldEventRevenueOf, silverEvent, silverEventBlocksAll, silverEvents } from "../kv/keys.ts";
import { listAll } from "../kv/mod.ts";
import { exportStream, findTable } from "../pipeline/export/mod.ts";
import { cleanEvents, rebuild, runAllJobs } from "../pipeline/jobs/mod.ts";
import { updateEventRevenueIndex } from "../pipeline/monitoring/event_revenue_index.ts";
import { EVENT_BLOCK_BYTES, type EventBlock } from "../pipeline/silver/event_blocks.ts";

const config = testConfig();
const T0 = Date.UTC(2026, 10, 23, 9);
const H = 3_600_000;
const STEPS = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"];

/** `n` events of a few persons (so a shard's blocks fill), every fourth an order with revenue. */
function events(n: number, from = 0, pad = 0): TestEvent[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const event = STEPS[i % 4];
    return {
      messageId: `m${i}`,
      type: "track" as const,
      event,
      userId: `u${i % 3}`,
      ts: T0 + (i % 200) * H,
      ...(event === "Order Completed" ? { orderId: `o${i}`, revenue: `${i}.50` } : {}),
      ...(pad > 0 ? { properties: { note: "x".repeat(pad) } } : {}),
    };
  });
}

async function blocksOf(kv: Deno.Kv): Promise<Deno.KvEntry<EventBlock>[]> {
  return await listAll<EventBlock>(kv, silverEventBlocksAll());
}

async function csvOf(kv: Deno.Kv): Promise<string> {
  return await new Response(exportStream(kv, findTable("silver", "events")!, "csv")).text();
}

/** Turns a store's event blocks back into the layout before 2026-11-26: one key per event. */
async function toPerEventLayout(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for (const b of await blocksOf(kv)) {
    const op = kv.atomic().delete(b.key);
    for (const e of b.value.events) op.set(silverEvent(b.key[2] as number, e.id), e);
    assert((await op.commit()).ok);
    n += b.value.events.length;
  }
  return n;
}

Deno.test("cleanEvents() stores each batch's events in blocks of at most 60 KB, keyed by their last id", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landEvents(kv, events(300, 0, 1_000));
    await cleanEvents(kv, config);
    const blocks = await blocksOf(kv);
    assert(blocks.length > 3, `${blocks.length} blocks for 300 events of 1 KB`);
    const ids: string[] = [];
    for (const b of blocks) {
      const got = b.value.events.map((e) => e.id);
      assertEquals(got, [...got].sort(), "events by ingest id");
      assertEquals(b.key[3], got[got.length - 1]);
      assert(JSON.stringify(b.value).length <= EVENT_BLOCK_BYTES, "block within its bound");
      ids.push(...got);
    }
    assertEquals(new Set(ids).size, 300);
  } finally {
    kv.close();
  }
});

Deno.test("rebuild() replays event blocks across batch boundaries and gives the same gold", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landEvents(kv, events(1_500));
    await runAllJobs(kv, config);
    assert((await blocksOf(kv)).some((b) => b.value.events.length > 100), "blocks of many events");
    const incremental = await dumpGold(kv);
    await rebuild(kv, config);
    assertEquals(await dumpGold(kv), incremental);
  } finally {
    kv.close();
  }
});

Deno.test("cleanEvents() moves the events of the per-event layout into blocks and counts the same", async () => {
  const fresh = await Deno.openKv(":memory:");
  const old = await Deno.openKv(":memory:");
  try {
    for (const kv of [fresh, old]) {
      await landEvents(kv, events(400));
      await runAllJobs(kv, config);
    }
    const rows = await csvOf(old);
    assertEquals(await toPerEventLayout(old), 400);
    // The export reads the per-event layout: the same rows.
    assert((await csvOf(old)) === rows, "the same export before and after");
    for (const kv of [fresh, old]) {
      await landEvents(kv, events(200, 400));
      await runAllJobs(kv, config);
    }
    assertEquals((await listAll(old, silverEvents())).length, 0);
    assertEquals(
      (await blocksOf(old)).reduce((n, b) => n + b.value.events.length, 0),
      600,
    );
    assertEquals(await dumpGold(old), await dumpGold(fresh));
  } finally {
    fresh.close();
    old.close();
  }
});

Deno.test("rebuild() moves per-event silver events into blocks and gives the same gold", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landEvents(kv, events(300));
    await runAllJobs(kv, config);
    const gold = await dumpGold(kv);
    await toPerEventLayout(kv);
    await rebuild(kv, config);
    assertEquals((await listAll(kv, silverEvents())).length, 0);
    assertEquals(await dumpGold(kv), gold);
  } finally {
    kv.close();
  }
});

Deno.test("updateEventRevenueIndex() indexes order events of both layouts", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landEvents(kv, events(40));
    await cleanEvents(kv, config);
    await toPerEventLayout(kv);
    await landEvents(kv, events(40, 40));
    // Only the shards' move is stopped: new events stay in bronze, old ones per event.
    await cleanEvents(kv, config, { deadline: Date.now() - 1 });
    assertEquals((await listAll(kv, silverEvents())).length, 40);
    const first = await updateEventRevenueIndex(kv);
    assertEquals(first.indexed, 10);
    await cleanEvents(kv, config);
    const second = await updateEventRevenueIndex(kv);
    assertEquals(second.indexed, 10);
    const revenue = await listAll<{ revenue: string }>(kv, goldEventRevenueOf("o43"));
    assertEquals(revenue.map((e) => e.value.revenue), ["43.50"]);
  } finally {
    kv.close();
  }
});
