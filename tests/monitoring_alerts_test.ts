import {
  alertId,
  raiseAlert,
  readAlerts,
  type StoredAlert,
} from "../pipeline/monitoring/alerts.ts";
import { backoffDelay, deliverAlerts, listOutbox } from "../pipeline/monitoring/delivery.ts";
import { testConfig } from "../config.ts";
import { assert, assertEquals } from "./assert.ts";

function anomaly(day: string, metric: string, source: string | null = null): StoredAlert {
  const identity = { kind: "anomaly" as const, metric, source, day };
  return {
    id: alertId(identity),
    ...identity,
    value: 1,
    baseline: 10,
    score: -5,
    direction: "down",
    raised_at: new Date(Date.UTC(2026, 10, 30)).toISOString(),
    message: `${metric} fell`,
  };
}

Deno.test("raiseAlert() stores an alert once and enqueues it once", async () => {
  using kv = await Deno.openKv(":memory:");
  const a = anomaly("2026-11-25", "orders");
  assertEquals(await raiseAlert(kv, a, 1000), true);
  assertEquals(await raiseAlert(kv, { ...a, value: 2 }, 2000), false);
  const alerts = await readAlerts(kv);
  assertEquals(alerts.length, 1);
  assertEquals(alerts[0].value, 1);
  assertEquals((await listOutbox(kv)).map((o) => o.alert_id), [a.id]);
});

Deno.test("readAlerts() filters by day range and lists the newest day first", async () => {
  using kv = await Deno.openKv(":memory:");
  const days = ["2026-10-31", "2026-11-01", "2026-11-15", "2026-11-30", "2026-12-01"];
  for (const d of days) {
    await raiseAlert(kv, anomaly(d, "orders"), 0);
    await raiseAlert(kv, anomaly(d, "quarantine_rate", "events"), 0);
  }
  const inRange = await readAlerts(kv, { from: "2026-11-01", to: "2026-11-30" });
  assertEquals(
    inRange.map((a) => a.day),
    ["2026-11-30", "2026-11-30", "2026-11-15", "2026-11-15", "2026-11-01", "2026-11-01"],
  );
  assertEquals((await readAlerts(kv, { from: "2026-12-01" })).map((a) => a.day), [
    "2026-12-01",
    "2026-12-01",
  ]);
  assertEquals((await readAlerts(kv, { to: "2026-10-31" })).length, 2);
  assertEquals((await readAlerts(kv)).length, 10);
});

Deno.test("alertId() is deterministic and distinguishes metric, source and day", () => {
  const base = { kind: "anomaly" as const, metric: "orders", source: null, day: "2026-11-25" };
  assertEquals(alertId(base), alertId({ ...base }));
  const ids = new Set([
    alertId(base),
    alertId({ ...base, metric: "events" }),
    alertId({ ...base, source: "orders" }),
    alertId({ ...base, day: "2026-11-26" }),
    alertId({ ...base, kind: "freshness" }),
  ]);
  assertEquals(ids.size, 5);
  assert(alertId({ ...base, day: "2026-11-26" }) < alertId(base), "a later day sorts first");
});

Deno.test("backoffDelay() doubles from the base and stops at the cap", () => {
  assertEquals([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 5000)), [1000, 2000, 4000, 5000]);
  assertEquals(backoffDelay(500, 1000, 60_000), 60_000);
});

interface Receiver {
  url: string;
  /** Alert ids answered 2xx, in order. */
  accepted: string[];
  attempts: number;
  close: () => Promise<void>;
}

/** A local webhook that fails the first `failFirst` requests with 503. */
function startReceiver(failFirst: number): Receiver {
  const receiver: Omit<Receiver, "url" | "close"> = { accepted: [], attempts: 0 };
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.json() as StoredAlert;
    receiver.attempts++;
    if (receiver.attempts <= failFirst) return new Response("down", { status: 503 });
    assertEquals(req.headers.get("idempotency-key"), body.id);
    receiver.accepted.push(body.id);
    return new Response(null, { status: 204 });
  });
  return {
    ...receiver,
    get accepted() {
      return receiver.accepted;
    },
    get attempts() {
      return receiver.attempts;
    },
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    close: () => server.shutdown(),
  };
}

Deno.test("deliverAlerts() retries with backoff until a failing webhook has every alert exactly once", async () => {
  using kv = await Deno.openKv(":memory:");
  const receiver = startReceiver(5);
  try {
    const config = testConfig({ alertWebhookUrl: receiver.url });
    const alerts = ["2026-11-20", "2026-11-21", "2026-11-22"].map((d) =>
      anomaly(d, "revenue_cents")
    );
    for (const a of alerts) await raiseAlert(kv, a, 0);
    let now = 0;
    const history: number[] = [];
    for (let round = 0; round < 20 && (await listOutbox(kv)).length > 0; round++) {
      const outcome = await deliverAlerts(kv, config, { now, baseDelayMs: 1000 });
      history.push(outcome.delivered);
      // Nothing is due again before its backoff: an immediate second call posts nothing.
      const again = await deliverAlerts(kv, config, { now, baseDelayMs: 1000 });
      assertEquals(again.attempted, 0);
      now += 1000;
    }
    assertEquals((await listOutbox(kv)).length, 0);
    assertEquals([...receiver.accepted].sort(), alerts.map((a) => a.id).sort());
    assertEquals(receiver.attempts, 5 + 3);
    assertEquals(history.reduce((a, b) => a + b, 0), 3);
    // Delivered alerts stay listed; another run posts nothing.
    assertEquals((await readAlerts(kv)).length, 3);
    assertEquals((await deliverAlerts(kv, config, { now: now + 1e9 })).attempted, 0);
  } finally {
    await receiver.close();
  }
});

Deno.test("deliverAlerts() records attempts and the next attempt time of a failing alert", async () => {
  using kv = await Deno.openKv(":memory:");
  const receiver = startReceiver(100);
  try {
    const config = testConfig({ alertWebhookUrl: receiver.url });
    await raiseAlert(kv, anomaly("2026-11-20", "orders"), 0);
    await deliverAlerts(kv, config, { now: 0, baseDelayMs: 1000 });
    await deliverAlerts(kv, config, { now: 1000, baseDelayMs: 1000 });
    const [entry] = await listOutbox(kv);
    assertEquals(entry.attempts, 2);
    assertEquals(entry.next_attempt_at, 1000 + 2000);
    assertEquals(entry.last_error, "HTTP 503");
  } finally {
    await receiver.close();
  }
});

Deno.test("deliverAlerts() does not throw when the webhook is unreachable or hangs", async () => {
  using kv = await Deno.openKv(":memory:");
  await raiseAlert(kv, anomaly("2026-11-20", "orders"), 0);
  // A port nobody listens on: connection refused.
  const listener = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const refused = await deliverAlerts(
    kv,
    testConfig({ alertWebhookUrl: `http://127.0.0.1:${port}/` }),
    {
      now: 0,
    },
  );
  assertEquals([refused.attempted, refused.failed, refused.pending], [1, 1, 1]);
  // A fetch that never answers is cut by the timeout.
  const hanging: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    });
  const started = Date.now();
  const timedOut = await deliverAlerts(
    kv,
    testConfig({ alertWebhookUrl: "http://hook.invalid/" }),
    {
      now: 1e9,
      fetch: hanging,
      timeoutMs: 50,
    },
  );
  assert(Date.now() - started < 2000, "the timeout bounds the call");
  assertEquals([timedOut.attempted, timedOut.failed, timedOut.pending], [1, 1, 1]);
  const [entry] = await listOutbox(kv);
  assertEquals(entry.attempts, 2);
  assert(
    entry.last_error !== null && /timeout|abort/i.test(entry.last_error),
    entry.last_error ?? "",
  );
});

Deno.test("deliverAlerts() keeps the outbox when no webhook is configured", async () => {
  using kv = await Deno.openKv(":memory:");
  await raiseAlert(kv, anomaly("2026-11-20", "orders"), 0);
  const outcome = await deliverAlerts(kv, testConfig({ alertWebhookUrl: undefined }), { now: 0 });
  assertEquals(outcome, { attempted: 0, delivered: 0, failed: 0, pending: 1, configured: false });
});

Deno.test("deliverAlerts() called concurrently posts each alert once", async () => {
  using kv = await Deno.openKv(":memory:");
  const receiver = startReceiver(0);
  try {
    const config = testConfig({ alertWebhookUrl: receiver.url });
    const days = Array.from({ length: 12 }, (_, i) => `2026-11-${String(i + 10).padStart(2, "0")}`);
    for (const d of days) await raiseAlert(kv, anomaly(d, "events"), 0);
    const outcomes = await Promise.all([1, 2, 3].map(() => deliverAlerts(kv, config, { now: 0 })));
    assertEquals(outcomes.reduce((n, o) => n + o.delivered, 0), 12);
    assertEquals(receiver.attempts, 12);
    assertEquals(new Set(receiver.accepted).size, 12);
  } finally {
    await receiver.close();
  }
});
