/**
 * Order-line heads in blocks of 32 line numbers per order: how they are
 * stored, classification against them across blocks, and the one-time
 * conversion of the per-line heads of older stores (docs/pipeline.md, "Files").
 */

import { assert, assertEquals, assertRejects } from "./assert.ts";
import { headOf, postBytes, type TestApp, withApp } from "./ingest_fixtures.ts";
import { bronzeOrderHead, bronzeOrderHeadsByLine, metaOrderHeadsInBlocks } from "../kv/keys.ts";
import { listAll } from "../kv/mod.ts";
import { convertLineHeads, type OrderHead } from "../pipeline/ingest/order_heads.ts";
import { type FencedWriter, openUploadWriter } from "../pipeline/ingest/fenced_writer.ts";

const HEADER = "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,status";
const BLOCKS = ["bronze", "order_head_blocks"];

function line(order: string, lineNo: number, status = "placed"): string {
  return `${order},${lineNo},C-1,2026-11-20T09:00:00Z,SKU-${lineNo},1,10.00,${status}`;
}

async function upload(t: TestApp, lines: string[], date: string): Promise<Record<string, number>> {
  const res = await postBytes(
    t.app,
    `/v1/uploads/orders?date=${date}`,
    [HEADER, ...lines].join("\n") + "\n",
    { "content-type": "text/csv" },
  );
  assertEquals(res.status, 200, await res.clone().text());
  return await res.json();
}

/** Rewrites every head block as per-line keys, as a store made before blocks holds them. */
async function toPerLineHeads(kv: Deno.Kv): Promise<number> {
  let n = 0;
  for (const e of await listAll<Record<number, OrderHead>>(kv, BLOCKS)) {
    const op = kv.atomic().delete(e.key);
    for (const [lineNo, head] of Object.entries(e.value)) {
      op.set(bronzeOrderHead(String(e.key[2]), Number(lineNo)), head);
      n++;
    }
    assert((await op.commit()).ok);
  }
  await kv.delete(metaOrderHeadsInBlocks());
  return n;
}

/** Every head of the store's blocks, by `order/line`. */
async function headsByLine(kv: Deno.Kv): Promise<Map<string, OrderHead>> {
  const heads = new Map<string, OrderHead>();
  for (const e of await listAll<Record<number, OrderHead>>(kv, BLOCKS)) {
    for (const [n, head] of Object.entries(e.value)) heads.set(`${String(e.key[2])}/${n}`, head);
  }
  return heads;
}

Deno.test("Order heads: one record per order and 32 line numbers, none per line", async () => {
  await withApp(async (t) => {
    const lines = Array.from({ length: 40 }, (_, i) => line("O-1", i + 1));
    lines.push(line("O-2", 1), line("O-2", 2));
    await upload(t, lines, "2026-11-20");
    const blocks = await listAll<Record<number, OrderHead>>(t.kv, BLOCKS);
    assertEquals(
      blocks.map((b) => [b.key[2], b.key[3], Object.keys(b.value).length]),
      [["O-1", 0, 32], ["O-1", 1, 8], ["O-2", 0, 2]],
    );
    assertEquals((await listAll(t.kv, bronzeOrderHeadsByLine())).length, 0);
    assertEquals((await headOf(t.kv, "O-1", 33)).version.row, 33);
  });
});

Deno.test("A re-upload of a 40-line order finds updates and duplicates in both blocks", async () => {
  await withApp(async (t) => {
    const lines = Array.from({ length: 40 }, (_, i) => line("O-1", i + 1));
    await upload(t, lines, "2026-11-20");
    lines[0] = line("O-1", 1, "shipped");
    lines[34] = line("O-1", 35, "refunded");
    const again = await upload(t, lines, "2026-11-21");
    assertEquals(
      [again.rows, again.accepted, again.updates, again.duplicates],
      [40, 2, 2, 38],
    );
    // Exact duplicates move the head too (heads follow the version order of silver).
    for (const n of [1, 2, 35, 40]) {
      assertEquals((await headOf(t.kv, "O-1", n)).version.date, "2026-11-21");
    }
  });
});

Deno.test("convertLineHeads() folds per-line heads once and the next upload classifies against them", async () => {
  await withApp(async (t) => {
    const lines = Array.from({ length: 35 }, (_, i) => line("O-1", i + 1));
    lines.push(line("O-2", 1));
    await upload(t, lines, "2026-11-20");
    assertEquals(await toPerLineHeads(t.kv), 36);
    assertEquals((await listAll(t.kv, BLOCKS)).length, 0);

    const next = await upload(t, [
      line("O-1", 2), // exact duplicate
      line("O-1", 34, "cancelled"), // update, second block
      line("O-2", 1, "shipped"), // update
      line("O-3", 1), // new
    ], "2026-11-21");
    assertEquals([next.accepted, next.updates, next.duplicates], [3, 2, 1]);
    assertEquals((await listAll(t.kv, bronzeOrderHeadsByLine())).length, 0);
    assertEquals((await t.kv.get(metaOrderHeadsInBlocks())).value, true);
    assertEquals((await headOf(t.kv, "O-1", 35)).version.date, "2026-11-20");
    assertEquals((await headOf(t.kv, "O-1", 34)).version.date, "2026-11-21");
  });
});

Deno.test("convertLineHeads() resumes an interrupted conversion without losing a head", async () => {
  await withApp(async (t) => {
    // 900 per-line heads take three conversion commits; the second one fails.
    const lines = Array.from(
      { length: 900 },
      (_, i) => line(`O-${i % 300}`, 1 + Math.floor(i / 300)),
    );
    await upload(t, lines, "2026-11-20");
    const before = await headsByLine(t.kv);
    assertEquals(await toPerLineHeads(t.kv), 900);

    const writer = await openUploadWriter(t.kv, "orders");
    try {
      let commits = 0;
      const failing = {
        commit: (build: (op: Deno.AtomicOperation) => void) => {
          if (++commits === 2) return Promise.reject(new Error("Injected failure"));
          return writer.commit(build);
        },
      } as unknown as FencedWriter;
      await assertRejects(() => convertLineHeads(t.kv, failing));
      assertEquals((await listAll(t.kv, bronzeOrderHeadsByLine())).length, 500);
      await convertLineHeads(t.kv, writer);
    } finally {
      await writer.close();
    }
    const after = await headsByLine(t.kv);
    assertEquals(after, before);
    assertEquals((await listAll(t.kv, bronzeOrderHeadsByLine())).length, 0);
    assertEquals((await t.kv.get(metaOrderHeadsInBlocks())).value, true);
  });
});
