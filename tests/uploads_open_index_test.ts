/**
 * The index of unfinished uploads that crash recovery reads instead of every
 * upload ever made: finished uploads leave no mark, and a store written
 * before the index existed is indexed once and still recovered.
 */

import { assertEquals } from "./assert.ts";
import { postBytes, type TestApp, withApp } from "./ingest_fixtures.ts";
import { INVENTORY_HEADER, inventoryRow, workbook } from "./ingest_xlsx_fixtures.ts";
import {
  bronzeUpload,
  bronzeUploadRows,
  metaOpenUpload,
  metaOpenUploadsIndexed,
  metaOpenUploadsOf,
} from "../kv/keys.ts";
import type { UploadRecord } from "../pipeline/ingest/upload_types.ts";
import { createUpload } from "../pipeline/ingest/upload_store.ts";
import { openUploadWriter } from "../pipeline/ingest/fenced_writer.ts";
import { dayOf } from "../pipeline/contracts/buckets.ts";

const HEADER = "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,status";

function orders(t: TestApp, body: string, date = "2026-11-20"): Promise<Response> {
  return postBytes(t.app, `/v1/uploads/orders?date=${date}`, body, { "content-type": "text/csv" });
}

async function openMarks(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  for (const source of ["orders", "inventory"] as const) {
    for await (const e of kv.list({ prefix: metaOpenUploadsOf(source) })) {
      out.push(`${source}/${String(e.key[e.key.length - 1])}`);
    }
  }
  return out;
}

/** An upload record left by a dead request, as `createUpload` writes it. */
async function deadUpload(t: TestApp, id: string): Promise<UploadRecord> {
  const writer = await openUploadWriter(t.kv, "orders", { leaseTtlMs: 200 });
  const receivedAt = Date.now();
  const record = await createUpload(t.kv, writer, {
    id,
    source: "orders",
    date: "2026-11-20",
    receivedAt,
    receivedDay: dayOf(receivedAt),
  });
  await writer.commit((op) => {
    op.set([...bronzeUploadRows(id), 1], { kind: "rejected", raw: "x" });
  });
  writer.abandon();
  return record;
}

Deno.test("Finished, duplicate and refused uploads leave no open-upload mark", async () => {
  await withApp(async (t) => {
    const body = `${HEADER}\nO-1,1,C-1,2026-11-20T09:00:00Z,SKU-1,1,10.00,placed\n`;
    assertEquals((await orders(t, body)).status, 200);
    assertEquals((await orders(t, body)).status, 200, "a duplicate file");
    assertEquals((await orders(t, "sku,quantity\nA,1\n")).status, 422, "refused whole");
    const xlsx = workbook([{ name: "Inventory", rows: [INVENTORY_HEADER, inventoryRow(1)] }]);
    const res = await postBytes(t.app, "/v1/uploads/inventory?week=2026-11-16", xlsx, {
      "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    });
    assertEquals(res.status, 200, await res.clone().text());
    assertEquals(await openMarks(t.kv), []);
  });
});

Deno.test("An upload left staging is found through its mark and removed with it", async () => {
  await withApp(async (t) => {
    const dead = await deadUpload(t, "orphan");
    assertEquals(await openMarks(t.kv), ["orders/orphan"]);
    const body = `${HEADER}\nO-2,1,C-1,2026-11-20T09:00:00Z,SKU-1,1,10.00,placed\n`;
    assertEquals((await orders(t, body)).status, 200);
    assertEquals((await t.kv.get(bronzeUpload(dead.id))).value, null);
    assertEquals(await openMarks(t.kv), []);
  });
});

Deno.test("A store from before the open-upload index is indexed once and still recovered", async () => {
  await withApp(async (t) => {
    // What an older version left: an orphaned staging upload without a mark, and no index flag.
    const dead = await deadUpload(t, "legacy-orphan");
    await t.kv.delete(metaOpenUpload("orders", dead.seq, dead.id));
    await t.kv.delete(metaOpenUploadsIndexed());
    const body = `${HEADER}\nO-3,1,C-1,2026-11-20T09:00:00Z,SKU-1,1,10.00,placed\n`;
    assertEquals((await orders(t, body)).status, 200);
    assertEquals((await t.kv.get(bronzeUpload(dead.id))).value, null, "recovered");
    assertEquals(
      await Array.fromAsync(t.kv.list({ prefix: bronzeUploadRows(dead.id) })),
      [],
      "its rows are gone",
    );
    assertEquals((await t.kv.get(metaOpenUploadsIndexed())).value, true);
    assertEquals(await openMarks(t.kv), []);
  });
});
