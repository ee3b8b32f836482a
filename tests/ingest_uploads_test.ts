/**
 * Upload flows: duplicate files, updates and exact duplicates against the
 * order-line heads, in-file repeats, the update order, crash recovery of a
 * half-classified upload and of an orphaned staging, serialised concurrent
 * uploads, and the counters and backlog they leave.
 */

import { assert, assertEquals } from "./assert.ts";
import { postBytes, quality, quarantined, type TestApp, withApp } from "./ingest_fixtures.ts";
import { INVENTORY_HEADER, inventoryRow, workbook } from "./ingest_xlsx_fixtures.ts";
import { bronzeUpload, bronzeUploadRows, metaBacklog } from "../kv/keys.ts";
import { counterValue } from "../kv/counters.ts";
import type { UploadRecord } from "../pipeline/ingest/upload_types.ts";
import { headOf } from "./ingest_fixtures.ts";
import { classifyOrders } from "../pipeline/ingest/orders_classify.ts";
import { stageOrderRows } from "../pipeline/ingest/orders_stage.ts";
import { commitFile, createUpload } from "../pipeline/ingest/upload_store.ts";
import { openUploadWriter } from "../pipeline/ingest/fenced_writer.ts";
import { ingestOrdersUpload } from "../pipeline/ingest/uploads.ts";
import { dayOf } from "../pipeline/contracts/buckets.ts";

const HEADER = "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,status";

function line(order: number, lineNo = 1, status = "placed", price = "10.00"): string {
  return `O-${order},${lineNo},C-${
    order % 3
  },2026-11-20T09:00:00Z,SKU-${order},1,${price},${status}`;
}

function csv(lines: string[]): string {
  return [HEADER, ...lines].join("\n") + "\n";
}

function upload(t: TestApp, body: string, date = "2026-11-20") {
  return postBytes(t.app, `/v1/uploads/orders?date=${date}`, body, { "content-type": "text/csv" });
}

async function ok(res: Response): Promise<Record<string, unknown>> {
  assertEquals(res.status, 200, await res.clone().text());
  return await res.json();
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += 4096) c.enqueue(bytes.slice(i, i + 4096));
      c.close();
    },
  });
}

async function backlog(kv: Deno.Kv, stage: string): Promise<number> {
  return counterValue((await kv.get(metaBacklog(stage))).value);
}

async function uploads(kv: Deno.Kv): Promise<UploadRecord[]> {
  const out: UploadRecord[] = [];
  for await (const e of kv.list<UploadRecord>({ prefix: ["bronze", "uploads"] })) out.push(e.value);
  return out;
}

Deno.test("A repeated orders file is answered duplicate_file and changes nothing", async () => {
  await withApp(async (t) => {
    const body = csv([line(1), line(2), line(3, 1, "bogus")]);
    const first = await ok(await upload(t, body));
    assertEquals(
      [first.rows, first.accepted, first.quarantined, first.duplicate_file],
      [3, 2, 1, false],
    );
    const before = await quality(t.kv, "orders");
    const again = await ok(await upload(t, body, "2026-11-21"));
    assertEquals(again, {
      upload_id: again.upload_id,
      source: "orders",
      date: "2026-11-21",
      rows: 3,
      accepted: 0,
      updates: 0,
      duplicates: 0,
      quarantined: 0,
      quarantined_by_reason: {},
      duplicate_file: true,
      duplicate_of: first.upload_id,
      unknown_columns: [],
      warnings_by_field: {},
    });
    assertEquals(await quality(t.kv, "orders"), before);
    assertEquals((await quarantined(t.kv)).length, 1);
    assertEquals(await backlog(t.kv, "orders"), 2);
    const statuses = (await uploads(t.kv)).map((u) => u.status);
    assertEquals(statuses, ["classified", "duplicate"]);
  });
});

Deno.test("Orders lines are classified against their heads: updates, exact duplicates, in-file repeats", async () => {
  await withApp(async (t) => {
    await ok(await upload(t, csv([line(1), line(2), line(3)])));
    const second = await ok(
      await upload(
        t,
        csv([
          line(1), // exact duplicate of the head
          line(2, 1, "refunded"), // update
          line(4), // new
          line(4), // in-file exact repeat
          line(4, 1, "shipped"), // in-file update
        ]),
        "2026-11-21",
      ),
    );
    assertEquals(
      [second.rows, second.accepted, second.updates, second.duplicates],
      [5, 3, 2, 2],
    );
    const head = await headOf(t.kv, "O-4", 1);
    assertEquals(head.version.row, 5);
    const q = await quality(t.kv, "orders");
    assertEquals(q, { received: 8, accepted: 6, updates: 2, duplicates: 2 });
    assertEquals(await backlog(t.kv, "orders"), 8);
  });
});

Deno.test("An older-dated version is accepted but does not move the head", async () => {
  await withApp(async (t) => {
    await ok(await upload(t, csv([line(1, 1, "shipped")]), "2026-11-21"));
    const late = await ok(await upload(t, csv([line(1, 1, "placed")]), "2026-11-20"));
    assertEquals([late.accepted, late.updates], [1, 1]);
    const head = await headOf(t.kv, "O-1", 1);
    assertEquals(head.version.date, "2026-11-21");
  });
});

Deno.test("A retried upload finishes a half-classified upload and answers for it", async () => {
  await withApp(async (t) => {
    const lines = Array.from(
      { length: 1200 },
      (_, i) => line(i, 1, i % 100 === 7 ? "bad" : "placed"),
    );
    const body = csv(lines);
    const receivedAt = Date.now();
    // The first attempt: staged, committed, then classified one round before the "crash".
    const writer = await openUploadWriter(t.kv, "orders", { leaseTtlMs: 300 });
    const record = await createUpload(t.kv, writer, {
      id: "crashed-upload",
      source: "orders",
      date: "2026-11-20",
      receivedAt,
      receivedDay: dayOf(receivedAt),
    });
    const staged = await stageOrderRows(writer, record, streamOf(body), {
      date: "2026-11-20",
      seq: record.seq,
      receivedAt,
      fxRates: t.config.fxRates,
      maxRowChars: 32768,
    });
    const full = { ...record, ...staged, status: "committed" as const };
    assertEquals((await commitFile(t.kv, writer, full)).committed, true);
    const partial = await classifyOrders(t.kv, writer, full, { maxRounds: 1 });
    writer.abandon();
    assert(partial.classifyCursor > 0 && partial.classifyCursor < 1200, "stopped halfway");

    // The client retries the same bytes; it waits for the dead lease, then gets the answer.
    const answer = await ingestOrdersUpload(t.kv, streamOf(body), {
      date: "2026-11-20",
      fxRates: t.config.fxRates,
      maxRowChars: 32768,
      leaseWaitMs: 5000,
    });
    assertEquals(
      [answer.upload_id, answer.duplicate_file, answer.rows, answer.accepted, answer.quarantined],
      ["crashed-upload", false, 1200, 1188, 12],
    );
    assertEquals(await quality(t.kv, "orders"), {
      received: 1200,
      accepted: 1188,
      quarantined: 12,
      "reason:invalid_value": 12,
    });
    assertEquals((await quarantined(t.kv)).length, 12);
    const stored = (await t.kv.get<UploadRecord>(bronzeUpload("crashed-upload"))).value!;
    assertEquals([stored.status, stored.recovered], ["classified", undefined]);
    // A third copy is a plain duplicate.
    const third = await ok(await upload(t, body));
    assertEquals(third.duplicate_file, true);
    assertEquals(await backlog(t.kv, "orders"), 1188);
  });
});

Deno.test("An upload left staging by a dead request is removed by the next upload", async () => {
  await withApp(async (t) => {
    const receivedAt = Date.now();
    const writer = await openUploadWriter(t.kv, "orders", { leaseTtlMs: 200 });
    const record = await createUpload(t.kv, writer, {
      id: "orphan",
      source: "orders",
      date: "2026-11-20",
      receivedAt,
      receivedDay: dayOf(receivedAt),
    });
    await writer.commit((op) => {
      op.set([...bronzeUploadRows("orphan"), 1], { kind: "rejected", raw: "x" });
    });
    writer.abandon();
    void record;
    const next = await ok(await upload(t, csv([line(1)])));
    assertEquals(next.accepted, 1);
    assertEquals((await t.kv.get(bronzeUpload("orphan"))).value, null);
    const rows = await Array.fromAsync(t.kv.list({ prefix: bronzeUploadRows("orphan") }));
    assertEquals(rows.length, 0);
  });
});

Deno.test("Concurrent uploads of one source are serialised and all answered", async () => {
  await withApp(async (t) => {
    const answers = await Promise.all(
      [20, 21, 22, 23].map((d) =>
        upload(t, csv([line(d), line(100 + d)]), `2026-11-${d}`).then(ok)
      ),
    );
    assertEquals(answers.map((a) => a.accepted), [2, 2, 2, 2]);
    const seqs = (await uploads(t.kv)).map((u) => u.seq).sort();
    assertEquals(seqs, [1, 2, 3, 4]);
  });
});

Deno.test("A repeated inventory workbook is answered duplicate_file", async () => {
  await withApp(async (t) => {
    const bytes = workbook([{ name: "inventory", rows: [INVENTORY_HEADER, inventoryRow(1)] }]);
    const send = () =>
      postBytes(t.app, "/v1/uploads/inventory?week=2026-11-23", bytes, {
        "content-type": "application/octet-stream",
      });
    const first = await ok(await send());
    const second = await ok(await send());
    assertEquals([first.accepted, first.duplicate_file], [1, false]);
    assertEquals([second.accepted, second.rows, second.duplicate_file], [0, 1, true]);
    assertEquals(await backlog(t.kv, "inventory"), 1);
    assertEquals(await quality(t.kv, "inventory"), { received: 1, accepted: 1 });
  });
});

Deno.test("Repeats of a line across classification rounds are compared with the latest version", async () => {
  await withApp(async (t) => {
    const lines = Array.from({ length: 1100 }, (_, i) => line(i + 10_000));
    lines[2] = line(1, 1, "placed");
    lines[699] = line(1, 1, "shipped"); // an update, 697 rows (a round) later
    lines[1049] = line(1, 1, "shipped"); // an exact duplicate of that update
    const a = await ok(await upload(t, csv(lines)));
    assertEquals([a.rows, a.accepted, a.updates, a.duplicates], [1100, 1099, 1, 1]);
    const head = await headOf(t.kv, "O-1", 1);
    assertEquals(head.version.row, 1050);
  });
});
