import { assert, assertEquals } from "./assert.ts";
import { bronzeEvents, withApp, WRITE_KEY } from "./ingest_fixtures.ts";
import { createClient, type DeliveryError } from "../sdk/mod.ts";
import { batchBody, toPending } from "../sdk/wire.ts";

const HOST = "http://pipeline.test";

interface Answer {
  status: number;
  body: { accepted?: number; duplicates?: number; quarantined?: number };
}

Deno.test("the real ingest route accepts SDK batches once, even when a response is lost", async () => {
  await withApp(async ({ app, kv }) => {
    const answers: Answer[] = [];
    const errors: DeliveryError[] = [];
    let calls = 0;
    const client = createClient({
      writeKey: WRITE_KEY,
      host: HOST,
      retryBaseMs: 1,
      retryMaxMs: 5,
      onError: (e) => errors.push(e),
      // The first answer is lost after the server committed, as with a dropped connection.
      fetch: async (input, init) => {
        const res = await app.request(String(input), init);
        answers.push({ status: res.status, body: await res.clone().json() });
        if (calls++ === 0) throw new TypeError("Connection reset");
        return res;
      },
    });
    client.identify("user-7", { plan: "pro" });
    client.productViewed({ product_id: "p-1", sku: "SKU-1", price: "19.99", currency: "USD" });
    client.productAdded({ sku: "SKU-1", quantity: 2, price: 19.99 });
    client.checkoutStarted({ order_id: "o-1", value: "39.98", products: [{ sku: "SKU-1" }] });
    client.orderCompleted({ order_id: "o-1", revenue: "39.98", currency: "USD" });
    client.page("Thanks");
    await client.close();

    assertEquals(errors, []);
    assertEquals(answers.map((a) => a.status), [200, 200]);
    assertEquals([answers[0].body.accepted, answers[0].body.quarantined], [6, 0]);
    assertEquals([answers[1].body.accepted, answers[1].body.duplicates], [0, 6]);
    const stored = await bronzeEvents(kv);
    assertEquals(stored.length, 6);
  });
});

Deno.test("the real ingest route accepts a page-hide body: text/plain with the key inside", async () => {
  await withApp(async ({ app, kv }) => {
    const event = {
      type: "track" as const,
      event: "Product Viewed",
      messageId: crypto.randomUUID(),
      anonymousId: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      properties: { sku: "SKU-2" },
      context: { library: { name: "pipeline-sdk", version: "1.0.0" } },
    };
    const body = batchBody([toPending(event)], new Date().toISOString(), WRITE_KEY);
    for (const type of ["text/plain", "text/plain;charset=UTF-8"]) {
      const res = await app.request(`${HOST}/v1/batch`, {
        method: "POST",
        headers: { "Content-Type": type },
        body,
      });
      assertEquals(res.status, 200, await res.clone().text());
      await res.body?.cancel();
    }
    const wrongKey = await app.request(`${HOST}/v1/batch`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: batchBody([toPending(event)], new Date().toISOString(), "not-a-key"),
    });
    assertEquals(wrongKey.status, 401);
    await wrongKey.body?.cancel();
    const stored = await bronzeEvents(kv);
    assert(stored.length === 1, `${stored.length} events stored`);
  });
});
