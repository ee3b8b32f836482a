import { testConfig } from "../config.ts";
import { bronzeEventsAll } from "../kv/keys.ts";
import type { CleanEvent } from "../pipeline/contracts/types.ts";
import { replayQuarantine } from "../pipeline/monitoring/mod.ts";
import { createApp } from "../routes/app.ts";
import { assertEquals } from "./assert.ts";

Deno.test("replayQuarantine() re-validates an event with its endpoint's type and its batch's context", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const base = testConfig();
    const strict = testConfig({ limits: { ...base.limits, eventBytes: 300 } });
    const app = createApp({ kv, config: strict });
    const auth = { authorization: "Bearer test-write-key", "content-type": "application/json" };
    const pad = "x".repeat(400);
    // /v1/track implies the type: the raw event has none of its own.
    const track = await app.request("/v1/track", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        userId: "u-1",
        messageId: "m-track",
        event: "Product Viewed",
        properties: { pad },
      }),
    });
    assertEquals((await track.json()).errors[0].reason, "too_large");
    // A batch's context is merged under each event's own.
    const batch = await app.request("/v1/batch", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        batch: [{ type: "page", userId: "u-2", messageId: "m-page", properties: { pad } }],
        context: { locale: "fr-FR" },
      }),
    });
    assertEquals((await batch.json()).quarantined, 1);

    const result = await replayQuarantine(kv, base, { source: "events" });
    assertEquals(result.items.map((i) => i.status).sort(), ["accepted", "accepted"]);

    const landed: CleanEvent[] = [];
    for await (const e of kv.list<CleanEvent>({ prefix: bronzeEventsAll() })) landed.push(e.value);
    landed.sort((a, b) => a.messageId.localeCompare(b.messageId));
    assertEquals(landed.map((e) => [e.messageId, e.type, e.event ?? null]), [
      ["m-page", "page", null],
      ["m-track", "track", "Product Viewed"],
    ]);
    assertEquals(landed[0].context?.locale, "fr-FR");
  } finally {
    kv.close();
  }
});
