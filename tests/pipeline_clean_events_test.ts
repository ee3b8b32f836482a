import { assert, assertEquals } from "./assert.ts";
import { counterAt, landEvents, type TestEvent } from "./pipeline_fixtures.ts";
import { cleanEvents } from "../pipeline/jobs/clean_events.ts";
import { testConfig } from "../config.ts";
import { listAll } from "../kv/mod.ts";
import type { EventBlock } from "../pipeline/silver/event_blocks.ts";
import {
  bronzeEventsAll,
  goldCounter,
  goldRetention,
  metaBacklog,
  silverEventBlocksAll,
  silverOrderEvent,
} from "../kv/keys.ts";

const T0 = Date.UTC(2026, 10, 23, 10); // Monday 2026-11-23 (2026-W48)
const H = 3_600_000;
const D = 24 * H;

function ev(id: string, person: string, ts: number, extra: Partial<TestEvent> = {}): TestEvent {
  return { messageId: id, type: "track", event: "Clicked", userId: person, ts, ...extra };
}

async function count(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

Deno.test("cleanEvents() moves bronze to silver and counts persons, funnel and cart abandonment", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landEvents(kv, [
      ev("a1", "alice", T0, { event: "Product Viewed" }),
      ev("a2", "alice", T0 + H, { event: "Product Added" }),
      ev("a3", "alice", T0 + 2 * H, { event: "Checkout Started" }),
      ev("a4", "alice", T0 + 3 * H, { event: "Order Completed", orderId: "o-1" }),
      ev("b1", "bob", T0, { event: "product added" }),
      ev("b2", "bob", T0 + H, { type: "page", event: undefined }),
      ev("c1", "carol", T0 + D, { type: "identify", event: undefined }),
    ]);
    const out = await cleanEvents(kv, testConfig());
    assertEquals(out.records_in, 7);
    assertEquals(await count(kv, bronzeEventsAll()), 0);
    const blocks = await listAll<EventBlock>(kv, silverEventBlocksAll());
    assertEquals(blocks.flatMap((b) => b.value.events.map((e) => e.messageId)).sort(), [
      "a1",
      "a2",
      "a3",
      "a4",
      "b1",
      "b2",
      "c1",
    ]);
    assertEquals(await counterAt(kv, metaBacklog("events")), 0);
    const day = "2026-11-23";
    const got: Record<string, number> = {};
    for (
      const m of [
        "events",
        "persons",
        "page_views",
        "funnel_1",
        "funnel_2",
        "funnel_3",
        "funnel_4",
        "cart_persons",
        "cart_abandoned_persons",
      ]
    ) got[m] = await counterAt(kv, goldCounter(m, day));
    assertEquals(got, {
      events: 6,
      persons: 2,
      page_views: 1,
      funnel_1: 1,
      funnel_2: 1,
      funnel_3: 1,
      funnel_4: 1,
      cart_persons: 2,
      cart_abandoned_persons: 1,
    });
    assertEquals(await counterAt(kv, goldCounter("persons", "2026-W48")), 3);
    assertEquals(await counterAt(kv, goldCounter("events", "all")), 7);
    assertEquals(await counterAt(kv, goldRetention("2026-W48", 0)), 3);
    assertEquals(await counterAt(kv, silverOrderEvent("o-1")), 1);
  } finally {
    kv.close();
  }
});

Deno.test("cleanEvents() moves a person to an earlier cohort when a late early event arrives", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landEvents(kv, [ev("1", "p", T0), ev("2", "p", T0 + 7 * D)]);
    await cleanEvents(kv, testConfig());
    assertEquals(await counterAt(kv, goldRetention("2026-W48", 0)), 1);
    assertEquals(await counterAt(kv, goldRetention("2026-W48", 1)), 1);
    await landEvents(kv, [ev("3", "p", T0 - 14 * D)]);
    await cleanEvents(kv, testConfig());
    assertEquals(await counterAt(kv, goldRetention("2026-W48", 0)), 0);
    assertEquals(await counterAt(kv, goldRetention("2026-W48", 1)), 0);
    assertEquals(await counterAt(kv, goldRetention("2026-W46", 0)), 1);
    assertEquals(await counterAt(kv, goldRetention("2026-W46", 2)), 1);
    assertEquals(await counterAt(kv, goldRetention("2026-W46", 3)), 1);
  } finally {
    kv.close();
  }
});

Deno.test("cleanEvents() splits a large backlog into commits within KV limits", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const events: TestEvent[] = [];
    for (let i = 0; i < 900; i++) events.push(ev(`m${i}`, `person-${i}`, T0 + i * H));
    await landEvents(kv, events);
    const out = await cleanEvents(kv, testConfig(), { batchSize: 1000 });
    assertEquals(out.records_in, 900);
    assertEquals(await counterAt(kv, goldCounter("persons", "all")), 900);
    assert((await count(kv, bronzeEventsAll())) === 0);
  } finally {
    kv.close();
  }
});
