import { assert, assertEquals } from "./assert.ts";
import { createClient } from "../sdk/mod.ts";
import { numbers, range, rig } from "./sdk_helpers.ts";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

Deno.test("createClient() sends a batch as soon as flushAt events are queued", async () => {
  const { server, client, done } = rig({ flushAt: 5 });
  for (const n of range(12)) client.track("Counted", { n });
  await server.waitFor(() => server.requests.length === 2);
  await new Promise((r) => setTimeout(r, 100));
  const beforeClose = server.requests.map((r) => r.messageIds.length);
  await done();

  assertEquals(beforeClose, [5, 5], "the last 2 wait for the timer or a flush");
  assertEquals(server.requests.map((r) => r.messageIds.length), [5, 5, 2]);
  assertEquals(numbers(server.accepted.values()), range(12));
});

Deno.test("createClient() sends queued events flushIntervalMs after the first one", async () => {
  const { server, client, done } = rig({ flushIntervalMs: 150 });
  const started = performance.now();
  for (const n of range(3)) client.track("Timed", { n });
  await server.waitFor(() => server.requests.length === 1);
  const firstAfter = server.requests[0].at - started;
  // Let the first delivery finish, so the next event starts a new interval.
  await new Promise((r) => setTimeout(r, 50));
  const tracked = performance.now();
  client.track("Timed", { n: 3 });
  await server.waitFor(() => server.requests.length === 2);
  const secondAfter = server.requests[1].at - tracked;
  await done();

  assert(firstAfter >= 140 && firstAfter < 3000, `first batch after ${firstAfter.toFixed(0)} ms`);
  assert(secondAfter >= 140, `second batch after ${secondAfter.toFixed(0)} ms`);
  assertEquals(server.requests.map((r) => r.messageIds.length), [3, 1]);
});

Deno.test("close() flushes what is queued, stops the timer and drops later calls", async () => {
  const { server, client, errors, done } = rig();
  for (const n of range(3)) client.track("Before close", { n });
  assertEquals(server.requests.length, 0);
  await client.close();
  const delivered = server.accepted.size;
  client.track("After close", { n: 3 });
  await client.flush();
  await done();

  assertEquals(delivered, 3);
  assertEquals(server.requests.length, 1);
  assertEquals(errors.map((e) => e.reason), ["closed"]);
});

Deno.test("createClient() splits a backlog into request bodies under 500 KiB", async () => {
  const { server, client, errors, done } = rig();
  const pad = "x".repeat(30_000);
  for (const n of range(40)) client.track("Big", { n, pad });
  await client.flush();
  await done();

  assertEquals(errors, []);
  assert(server.requests.length >= 3, `${server.requests.length} requests for ~1.2 MB`);
  for (const r of server.requests) assert(r.bytes <= 500 * 1024, `a body of ${r.bytes} bytes`);
  assertEquals(numbers(server.accepted.values()), range(40));
});

Deno.test("createClient() honours a smaller maxBatchBytes and keeps event order", async () => {
  const { server, client, done } = rig({ maxBatchBytes: 4096 });
  for (const n of range(30)) client.track("Ordered", { n, pad: "y".repeat(300) });
  await client.flush();
  await done();

  assert(server.requests.length >= 3, `${server.requests.length} requests`);
  for (const r of server.requests) assert(r.bytes <= 4096, `a body of ${r.bytes} bytes`);
  const sentOrder = server.requests.flatMap((r) => r.events.map((e) => numbers([e])[0]));
  assertEquals(sentOrder, range(30));
});

Deno.test("createClient() drops oversized and malformed calls without throwing", async () => {
  const { server, client, errors, done } = rig();
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  client.track("Huge", { pad: "z".repeat(40_000) });
  client.track("");
  client.track("Cyclic", circular);
  client.track("Listy", [1, 2] as unknown as Record<string, unknown>);
  client.identify("");
  client.page("Listy", "x" as unknown as Record<string, unknown>);
  client.track("Long id", {}, { messageId: "m".repeat(101) });
  client.track("Fine", { n: 0 });
  await client.flush();
  await done();

  assertEquals(errors.map((e) => e.reason), [
    "too_large",
    ...["invalid", "invalid", "invalid", "invalid", "invalid", "invalid"],
  ]);
  assertEquals([...server.accepted.values()].map((e) => e.event), ["Fine"]);
});

Deno.test("createClient() bounds its queue and reports the oldest events it drops", async () => {
  const { server, client, errors, done } = rig({ maxQueueSize: 5 });
  for (const n of range(8)) client.track("Bounded", { n });
  await client.flush();
  await done();

  assertEquals(errors.map((e) => [e.reason, e.messageIds.length]), [
    ["queue_full", 1],
    ["queue_full", 1],
    ["queue_full", 1],
  ]);
  assertEquals(numbers(server.accepted.values()), [3, 4, 5, 6, 7]);
});

Deno.test("e-commerce helpers send Segment v2 events with identity, timestamps and sentAt", async () => {
  const { server, client, errors, done } = rig();
  const before = new Date().toISOString();
  client.identify("user-1", { plan: "pro" });
  client.productViewed({ product_id: "p-1", sku: "SKU-1", price: "19.99", currency: "USD" });
  client.productAdded({ sku: "SKU-1", quantity: 2, cart_id: "c-1" });
  client.checkoutStarted({ order_id: "o-1", value: 39.98, products: [{ sku: "SKU-1" }] });
  client.orderCompleted({ order_id: "o-1", revenue: "39.98", currency: "USD" });
  client.page("Home", { section: "top" }, { userId: "someone-else" });
  client.setUserId(null);
  client.track("Anonymous", {}, { timestamp: "2026-11-25T10:15:00.000Z" });
  const anonymousBefore = client.user().anonymousId;
  client.reset();
  client.track("After reset");
  await client.flush();
  const [request] = server.requests;
  await done();

  assertEquals(errors, []);
  assertEquals(request.auth, "header");
  assertEquals(request.contentType, "application/json");
  assert(ISO.test(request.sentAt!), `sentAt ${request.sentAt}`);
  const events = request.events;
  assertEquals(events.map((e) => [e.type, e.event ?? e.name]), [
    ["identify", undefined],
    ["track", "Product Viewed"],
    ["track", "Product Added"],
    ["track", "Checkout Started"],
    ["track", "Order Completed"],
    ["page", "Home"],
    ["track", "Anonymous"],
    ["track", "After reset"],
  ]);
  assertEquals(events.map((e) => e.userId), [
    "user-1",
    "user-1",
    "user-1",
    "user-1",
    "user-1",
    "someone-else",
    undefined,
    undefined,
  ]);
  assertEquals(events[0].traits, { plan: "pro" });
  assertEquals(events[1].properties, {
    product_id: "p-1",
    sku: "SKU-1",
    price: "19.99",
    currency: "USD",
  });
  assertEquals(events[3].properties, {
    order_id: "o-1",
    value: 39.98,
    products: [{ sku: "SKU-1" }],
  });
  assertEquals(events[5].properties, { section: "top" });
  assertEquals(events[6].timestamp, "2026-11-25T10:15:00.000Z");
  assertEquals(new Set(events.slice(0, 7).map((e) => e.anonymousId)), new Set([anonymousBefore]));
  assert(events[7].anonymousId !== anonymousBefore, "reset() starts a new anonymous id");
  assertEquals(new Set(events.map((e) => e.messageId)).size, events.length);
  for (const e of [...events.slice(0, 6), events[7]]) {
    const ts = String(e.timestamp);
    assert(ISO.test(ts) && ts >= before && ts <= request.sentAt!, `timestamp ${ts}`);
  }
  assertEquals((events[0].context as { library: unknown }).library, {
    name: "pipeline-sdk",
    version: "1.0.0",
  });
});

Deno.test("send() delivers a pre-built event unchanged, with ?historical=1 when asked", async () => {
  const seen: { url: string; body: { batch: Record<string, unknown>[] } }[] = [];
  const fakeFetch: typeof fetch = (input, init) => {
    seen.push({ url: String(input), body: JSON.parse(String(init?.body)) });
    return Promise.resolve(
      new Response(JSON.stringify({ success: true, accepted: 1, duplicates: 0, quarantined: 0 }), {
        status: 200,
        headers: { "content-type": "application/json" },
      }),
    );
  };
  const client = createClient({
    writeKey: "wk",
    host: "http://127.0.0.1:1",
    fetch: fakeFetch,
    historical: true,
    browser: false,
  });
  const event = {
    type: "TRACK",
    messageId: "m-1",
    userId: "u-1",
    event: "Product Viewed",
    timestamp: "2026-01-05T10:00:00Z",
  };
  client.send(event);
  await client.close();
  assertEquals(seen.length, 1);
  assertEquals(seen[0].url, "http://127.0.0.1:1/v1/batch?historical=1");
  assertEquals(seen[0].body.batch, [event]);
});

Deno.test("a timer flush sends what was queued then, not a stream of one-event requests", async () => {
  const sizes: number[] = [];
  const slowFetch: typeof fetch = async (_input, init) => {
    sizes.push(JSON.parse(String(init?.body)).batch.length);
    await new Promise((r) => setTimeout(r, 10));
    return new Response(JSON.stringify({ success: true }), { status: 200 });
  };
  const client = createClient({
    writeKey: "wk",
    host: "http://127.0.0.1:1",
    fetch: slowFetch,
    flushAt: 20,
    flushIntervalMs: 50,
    browser: false,
  });
  for (let i = 0; i < 100; i++) {
    client.track("Streamed", { i });
    await new Promise((r) => setTimeout(r, 2));
  }
  await client.close();
  assertEquals(sizes.reduce((a, b) => a + b, 0), 100);
  assert(sizes.length <= 10, `100 events took ${sizes.length} requests: ${sizes.join(",")}`);
});
