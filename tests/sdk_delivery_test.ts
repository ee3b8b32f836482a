import { assert, assertEquals } from "./assert.ts";
import { numbers, range, rig } from "./sdk_helpers.ts";

Deno.test("createClient() delivers every event exactly once through drops, 5xx, 429 and slow answers", async () => {
  const { server, client, errors, done } = rig({ flushAt: 5, timeoutMs: 800 });
  server.faults.push(
    { kind: "drop" },
    { kind: "drop", commit: true },
    { kind: "status", status: 500 },
    { kind: "status", status: 429, retryAfter: "0" },
    { kind: "slow", ms: 1600 },
    { kind: "status", status: 503, commit: true },
    { kind: "status", status: 502 },
  );
  for (const n of range(23)) client.track("Step", { n });
  await client.flush();
  const requests = [...server.requests];
  await done();

  assertEquals(errors, []);
  // The first batch is retried through seven faults, then the rest goes in batches of 5.
  // (Under heavy load a normal answer may also time out: hence no exact request count.)
  assertEquals(requests.slice(0, 7).map((r) => r.outcome), [
    ...["drop", "drop", 500, 429, 200, 503, 502],
  ]);
  assert(requests.slice(7).every((r) => r.outcome === 200), "no more faults after the seventh");
  for (const r of requests.slice(1, 8)) assertEquals(r.messageIds, requests[0].messageIds);
  assert(requests.every((r) => r.messageIds.length <= 5), "at most flushAt events per batch");
  assertEquals(numbers(server.accepted.values()), range(23));
  const allIds = requests.flatMap((r) => r.messageIds);
  assert(allIds.length > 23, `faults should cause resends, saw ${allIds.length} ids`);
  assertEquals(new Set(allIds).size, 23, "retries must reuse the same messageIds");
  assertEquals(new Set(server.accepted.keys()), new Set(allIds));
  // A retried batch repeats exactly the ids of the failed attempt, with a newer sentAt.
  assertEquals(requests[1].messageIds, requests[0].messageIds);
  assert(requests[1].sentAt! > requests[0].sentAt!, "sentAt is set on each attempt");
  for (const r of requests) {
    assertEquals(r.auth, "header");
    for (const e of r.events) assert(String(e.timestamp) <= r.sentAt!, "sentAt after timestamp");
  }
});

Deno.test("createClient() never retries a batch answered 400 or 413 and reports it", async () => {
  const { server, client, errors, done } = rig({ flushAt: 3 });
  server.faults.push({ kind: "status", status: 400 }, { kind: "status", status: 413 });
  for (const n of range(3)) client.track("Rejected", { n });
  await server.waitFor(() => server.requests.length === 1);
  for (const n of range(3)) client.track("Rejected too", { n });
  await server.waitFor(() => server.requests.length === 2);
  client.track("Accepted", { n: 0 });
  await client.flush();
  const requests = [...server.requests];
  await done();

  assertEquals(requests.map((r) => r.outcome), [400, 413, 200]);
  assertEquals(errors.map((e) => [e.reason, e.status]), [["rejected", 400], ["rejected", 413]]);
  assertEquals(errors[0].messageIds, requests[0].messageIds);
  assertEquals(errors[1].messageIds, requests[1].messageIds);
  assertEquals([...server.accepted.values()].map((e) => e.event), ["Accepted"]);
});

Deno.test("createClient() honours a 429's Retry-After instead of its backoff", async () => {
  const { server, client, errors, done } = rig({ retryBaseMs: 1, retryMaxMs: 2 });
  server.faults.push({ kind: "status", status: 429, retryAfter: "1" });
  client.track("Throttled", { n: 0 });
  await client.flush();
  const [first, second] = server.requests;
  await done();

  assertEquals(errors, []);
  assertEquals([first.outcome, second.outcome], [429, 200]);
  const gap = second.at - first.at;
  assert(gap >= 950 && gap < 3000, `retry came ${gap.toFixed(0)} ms after the 429`);
  assertEquals(second.messageIds, first.messageIds);
});

Deno.test("createClient() gives up after maxRetries, reports it, and keeps sending", async () => {
  const { server, client, errors, done } = rig({ maxRetries: 2 });
  for (let i = 0; i < 3; i++) server.faults.push({ kind: "status", status: 500 });
  client.track("Lost", { n: 0 });
  await client.flush();
  client.track("Kept", { n: 1 });
  await client.flush();
  const requests = [...server.requests];
  await done();

  assertEquals(requests.map((r) => r.outcome), [500, 500, 500, 200]);
  assertEquals(errors.map((e) => [e.reason, e.status]), [["retries_exhausted", 500]]);
  assertEquals(errors[0].messageIds, requests[0].messageIds);
  assertEquals([...server.accepted.values()].map((e) => e.event), ["Kept"]);
});

Deno.test("createClient() retries a request that timed out with the same messageIds", async () => {
  const { server, client, errors, done } = rig({ timeoutMs: 300 });
  server.faults.push({ kind: "slow", ms: 5_000 });
  client.track("Slow", { n: 0 });
  const started = performance.now();
  await client.flush();
  const elapsed = performance.now() - started;
  const requests = [...server.requests];
  await done();

  assertEquals(errors, []);
  assert(requests.length >= 2, `${requests.length} requests`);
  for (const r of requests) assertEquals(r.messageIds, requests[0].messageIds);
  assert(elapsed < 5_000, `flush waited ${elapsed.toFixed(0)} ms, not aborting the slow answer`);
  assertEquals(server.accepted.size, 1);
});

Deno.test("createClient() reports events the server quarantined in a 200 answer", async () => {
  const { server, client, errors, done } = rig();
  server.faults.push({
    kind: "status",
    status: 200,
    commit: true,
    body: JSON.stringify({
      success: true,
      accepted: 1,
      quarantined: 1,
      errors: [{ index: 1, reason: "invalid_type", field: "properties.price" }],
    }),
  });
  client.track("Fine", { n: 0 });
  client.track("Odd", { n: 1 });
  await client.flush();
  const [request] = server.requests;
  await done();

  assertEquals(errors.map((e) => [e.reason, e.status]), [["quarantined", 200]]);
  assertEquals(errors[0].messageIds, [request.messageIds[1]]);
  assert(errors[0].message.includes("invalid_type"), errors[0].message);
});
