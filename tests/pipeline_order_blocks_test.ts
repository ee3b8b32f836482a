import { assert, assertEquals } from "./assert.ts";
import { dumpGold, landOrdersFile, orderLine as line } from "./pipeline_fixtures.ts";
import { FX, seededDataset } from "./pipeline_datasets.ts";
import { testConfig } from "../config.ts";
import {
  silverOrder,
  silverOrderBlock,
  silverOrderBlocksAll,
  silverOrderLine,
  silverOrderLines,
} from "../kv/keys.ts";
import { listAll } from "../kv/mod.ts";
import { exportStream, findTable } from "../pipeline/export/mod.ts";
import { applyOrders, rebuild, runAllJobs } from "../pipeline/jobs/mod.ts";
import { type OrderBlock, ordersExist, readOrderLines } from "../pipeline/silver/order_blocks.ts";
import type { OrderLineSummary, SilverLine } from "../pipeline/silver/orders.ts";
import { isRevenue } from "../pipeline/silver/order_tally.ts";

const config = testConfig({ fxRates: FX });

/** Every current line, keyed `order/line`, as the readers see it. */
async function currentLines(kv: Deno.Kv): Promise<Record<string, SilverLine>> {
  const orders = new Set<string>();
  for (const e of await listAll(kv, silverOrderBlocksAll())) orders.add(e.key[2] as string);
  for (const e of await listAll(kv, silverOrderLines())) orders.add(e.key[2] as string);
  const ids = [...orders].sort();
  const out: Record<string, SilverLine> = {};
  (await readOrderLines(kv, ids)).forEach((lines) => {
    for (const l of lines) out[`${l.line.orderId}/${l.line.lineNo}`] = l;
  });
  return out;
}

/**
 * Turns a store's order blocks back into the layout before 2026-11-26: one
 * key per line and a summary per order.
 */
async function toPerLineLayout(kv: Deno.Kv): Promise<number> {
  const blocks = await listAll<OrderBlock>(kv, silverOrderBlocksAll());
  const summaries = new Map<string, Record<string, OrderLineSummary>>();
  let lines = 0;
  for (const b of blocks) {
    const op = kv.atomic().delete(b.key);
    for (const l of Object.values(b.value.lines)) {
      op.set(silverOrderLine(l.line.orderId, l.line.lineNo), l);
      const summary = summaries.get(l.line.orderId) ?? {};
      summary[l.line.lineNo] = {
        ts: l.line.orderTs,
        customer: l.line.customerId,
        revenue: isRevenue(l.line),
      };
      summaries.set(l.line.orderId, summary);
      lines++;
    }
    assert((await op.commit()).ok);
  }
  for (const [o, summary] of summaries) await kv.set(silverOrder(o), { lines: summary });
  return lines;
}

async function csvOf(kv: Deno.Kv): Promise<string> {
  return await new Response(exportStream(kv, findTable("silver", "order_lines")!, "csv")).text();
}

Deno.test("applyOrders() keeps lines past line 32 in further blocks that block 0 lists", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const lines = [1, 33, 70].map((lineNo) => line({ lineNo, quantity: lineNo }));
    await landOrdersFile(kv, { date: "2026-11-24", lines });
    await applyOrders(kv, config);
    const keys = (await listAll(kv, silverOrderBlocksAll())).map((e) => e.key);
    assertEquals(keys, [
      silverOrderBlock("o1", 0),
      silverOrderBlock("o1", 1),
      silverOrderBlock("o1", 2),
    ]);
    const head = await kv.get<OrderBlock>(silverOrderBlock("o1", 0));
    assertEquals([Object.keys(head.value!.lines), head.value!.more], [["1"], [1, 2]]);
    // A later file changes line 70 only: block 2 moves, the order's other lines stay.
    await landOrdersFile(kv, { date: "2026-11-25", lines: [line({ lineNo: 70, quantity: 2 })] });
    await runAllJobs(kv, config);
    const [read] = await readOrderLines(kv, ["o1"]);
    assertEquals(read.map((l) => [l.line.lineNo, l.line.quantity]), [[1, 1], [33, 33], [70, 2]]);
    assertEquals((await csvOf(kv)).split("\r\n").slice(1, 4).map((r) => r.split(",")[1]), [
      "1",
      "33",
      "70",
    ]);
    const incremental = await dumpGold(kv);
    await rebuild(kv, config);
    assertEquals(await dumpGold(kv), incremental);
  } finally {
    kv.close();
  }
});

Deno.test("a new order whose only line is past line 32 still has a block 0", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landOrdersFile(kv, { date: "2026-11-24", lines: [line({ lineNo: 40 })] });
    await applyOrders(kv, config);
    const head = await kv.get<OrderBlock>(silverOrderBlock("o1", 0));
    assertEquals(head.value, { lines: {}, more: [1] });
    assertEquals(await ordersExist(kv, ["o1", "o2"]), [true, false]);
  } finally {
    kv.close();
  }
});

Deno.test("applyOrders() moves the order lines of the per-line layout into blocks and counts the same", async () => {
  const data = seededDataset(11, 10);
  const [first, rest] = [data.orders.slice(0, 4), data.orders.slice(4)];
  const fresh = await Deno.openKv(":memory:");
  const old = await Deno.openKv(":memory:");
  try {
    for (const kv of [fresh, old]) {
      for (const f of first) await landOrdersFile(kv, f);
      await runAllJobs(kv, config);
    }
    const before = await currentLines(old);
    assert((await toPerLineLayout(old)) > 0, "the dataset has order lines");
    // Readers see the same lines and rows in the per-line layout.
    assertEquals(await currentLines(old), before);
    const someOrder = Object.values(before)[0].line.orderId;
    assertEquals(await ordersExist(old, [someOrder, "no-such-order"]), [true, false]);
    assertEquals(await csvOf(old), await csvOf(fresh));
    for (const kv of [fresh, old]) {
      for (const f of rest) await landOrdersFile(kv, f);
      await runAllJobs(kv, config);
    }
    assertEquals((await listAll(old, silverOrderLines())).length, 0);
    assertEquals((await listAll(old, ["silver", "orders"])).length, 0);
    assertEquals(await currentLines(old), await currentLines(fresh));
    assertEquals(await dumpGold(old), await dumpGold(fresh));
  } finally {
    fresh.close();
    old.close();
  }
});

Deno.test("rebuild() moves the order lines of the per-line layout into blocks and gives the same gold", async () => {
  const data = seededDataset(12, 10);
  const kv = await Deno.openKv(":memory:");
  try {
    for (const f of data.orders) await landOrdersFile(kv, f);
    await runAllJobs(kv, config);
    const lines = await currentLines(kv);
    const gold = await dumpGold(kv);
    await toPerLineLayout(kv);
    await rebuild(kv, config);
    assertEquals((await listAll(kv, silverOrderLines())).length, 0);
    assertEquals(await currentLines(kv), lines);
    assertEquals(await dumpGold(kv), gold);
  } finally {
    kv.close();
  }
});

Deno.test("applyOrders() leaves the move of per-line order lines to the next run when its deadline has passed", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landOrdersFile(kv, { date: "2026-11-24", lines: [line()] });
    await runAllJobs(kv, config);
    await toPerLineLayout(kv);
    await landOrdersFile(kv, { date: "2026-11-25", lines: [line({ quantity: 4 })] });
    const stopped = await applyOrders(kv, config, { deadline: Date.now() - 1 });
    assertEquals(stopped.records_in, 0);
    assertEquals((await listAll(kv, silverOrderLines())).length, 1);
    const done = await applyOrders(kv, config);
    assertEquals(done.records_in, 1);
    assertEquals((await listAll(kv, silverOrderLines())).length, 0);
    const [read] = await readOrderLines(kv, ["o1"]);
    assertEquals(read.map((l) => l.line.quantity), [4]);
  } finally {
    kv.close();
  }
});
