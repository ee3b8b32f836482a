/**
 * Replaying quarantined order lines: after a currency is added, a line
 * quarantined as `unknown_currency` is accepted exactly once, keeps its
 * original version, and its count moves from quarantined to accepted.
 */

import { assertEquals } from "./assert.ts";
import { postBytes, quality, quarantined, withApp } from "./ingest_fixtures.ts";
import { renormaliseOrderRecord, replayOrderLines } from "../pipeline/ingest/replay.ts";
import { metaBacklog } from "../kv/keys.ts";
import { counterValue } from "../kv/counters.ts";
import { headOf } from "./ingest_fixtures.ts";
import type { QuarantineRecord } from "../pipeline/contracts/types.ts";

Deno.test("replayOrderLines() accepts a quarantined line once after its currency is added", async () => {
  await withApp(async ({ app, kv, config }) => {
    const csv = "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,currency,status\n" +
      "A-1,1,C1,2026-11-20T10:00:00Z,SKU-1,2,10.00,USD,placed\n" +
      "A-1,2,C1,2026-11-20T10:00:00Z,SKU-2,1,7.30,CAD,placed\n";
    const res = await postBytes(app, "/v1/uploads/orders?date=2026-11-20", csv, {
      "content-type": "text/csv",
    });
    const first = await res.json();
    assertEquals([first.accepted, first.quarantined_by_reason], [1, { unknown_currency: 1 }]);
    const [record] = await quarantined(kv);

    const still = await renormaliseOrderRecord(kv, record, config.fxRates);
    assertEquals(still.ok ? null : still.rejection.reason, "unknown_currency");
    const rates = { ...config.fxRates, CAD: "0.73" };
    const item = await renormaliseOrderRecord(kv, record, rates);
    if (!item.ok) throw new Error(item.rejection.message);
    assertEquals(item.value.version, { date: "2026-11-20", upload: 1, row: 2 });

    const [a, b] = await Promise.all([
      replayOrderLines(kv, [item.value]),
      replayOrderLines(kv, [item.value]),
    ]);
    assertEquals([a.outcomes[0], b.outcomes[0]].sort(), ["already_replayed", "staged"]);
    const answer = (a.answer ?? b.answer)!;
    assertEquals([answer.rows, answer.accepted], [1, 1]);

    const head = await headOf(kv, "A-1", 2);
    assertEquals(head.version, { date: "2026-11-20", upload: 1, row: 2 });
    const stored = (await quarantined(kv))[0] as QuarantineRecord;
    assertEquals(typeof stored.replayedAs, "string");
    assertEquals(await quality(kv, "orders"), { received: 2, accepted: 2 });
    assertEquals(counterValue((await kv.get(metaBacklog("orders"))).value), 2);
    const again = await replayOrderLines(kv, [item.value]);
    assertEquals([again.outcomes, again.answer], [["already_replayed"], null]);
  });
});
