/**
 * Bad input on the upload endpoints (orders CSV, inventory XLSX): exact
 * statuses, reason codes and counters, that files refused whole leave
 * nothing behind, and that the good rows of a file all landed.
 */

import { assert, assertEquals } from "./assert.ts";
import { gzip, postBytes, quality, quarantined, type TestApp, withApp } from "./ingest_fixtures.ts";
import {
  editWorkbook,
  encryptedWorkbook,
  INVENTORY_HEADER,
  inventoryRow,
  workbook,
  zip,
} from "./ingest_xlsx_fixtures.ts";
import { testConfig } from "../config.ts";
import { bronzeUploadRows, bronzeUploads } from "../kv/keys.ts";
import type { StagedRow, UploadRecord } from "../pipeline/ingest/upload_types.ts";

const HEADER = "order_id,line_no,customer_id,order_ts,sku,quantity,unit_price,currency,status";
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function line(i: number, overrides: Partial<Record<string, string>> = {}): string {
  const f = {
    order_id: `O-${i}`,
    line_no: "1",
    customer_id: `C-${i % 5}`,
    order_ts: "2026-11-20T10:00:00Z",
    sku: `SKU-${i}`,
    quantity: "2",
    unit_price: "10.50",
    currency: "USD",
    status: "placed",
    ...overrides,
  };
  return [
    f.order_id,
    f.line_no,
    f.customer_id,
    f.order_ts,
    f.sku,
    f.quantity,
    f.unit_price,
    f.currency,
    f.status,
  ].join(",");
}

function csv(...lines: string[]): string {
  return [HEADER, ...lines].join("\n") + "\n";
}

function uploadOrders(
  t: TestApp,
  body: BodyInit | Uint8Array,
  query = "date=2026-11-20",
  headers = {},
) {
  return postBytes(t.app, `/v1/uploads/orders?${query}`, body, {
    "content-type": "text/csv",
    ...headers,
  });
}

function uploadInventory(t: TestApp, body: BodyInit | Uint8Array, query = "week=2026-11-23") {
  return postBytes(t.app, `/v1/uploads/inventory?${query}`, body, { "content-type": XLSX_TYPE });
}

async function expectError(res: Response, status: number, code: string): Promise<string> {
  const body = await res.json();
  assertEquals({ status: res.status, error: body.error }, { status, error: code });
  return body.message;
}

interface Answer {
  upload_id: string;
  rows: number;
  accepted: number;
  updates: number;
  duplicates: number;
  quarantined: number;
  quarantined_by_reason: Record<string, number>;
  duplicate_file: boolean;
  week?: string;
  unknown_columns: string[];
}

async function answer(res: Response): Promise<Answer> {
  assertEquals(res.status, 200, await res.clone().text());
  return await res.json();
}

/** Nothing of any upload is stored: no upload record, no staged row, no quarantine. */
async function nothingIngested(t: TestApp): Promise<void> {
  const uploads = [];
  for await (const e of t.kv.list({ prefix: bronzeUploads() })) uploads.push(e.key);
  const rows = [];
  for await (const e of t.kv.list({ prefix: ["bronze", "upload_rows"] })) rows.push(e.key);
  assertEquals({ uploads, rows, quarantined: await quarantined(t.kv) }, {
    uploads: [],
    rows: [],
    quarantined: [],
  });
}

/** The staged valid rows of an upload, by row number. */
async function stagedValid(t: TestApp, uploadId: string): Promise<number[]> {
  const out: number[] = [];
  for await (const e of t.kv.list<StagedRow>({ prefix: bronzeUploadRows(uploadId) })) {
    if (e.value.kind !== "rejected") out.push(e.key[3] as number);
  }
  return out;
}

async function reasons(t: TestApp): Promise<[string, string | undefined, number][]> {
  return (await quarantined(t.kv))
    .map((q) => [q.reason, q.field, q.position] as [string, string | undefined, number])
    .sort((a, b) => a[2] - b[2]);
}

// ------------------------------------------------------------------ orders ---

Deno.test("Orders upload refuses a file missing a required column with 422, ingesting nothing", async () => {
  await withApp(async (t) => {
    const body =
      "order_id,line_no,customer_id,order_ts,quantity,unit_price,status\nA,1,C,2026-11-20,1,2,placed\n";
    const message = await expectError(await uploadOrders(t, body), 422, "missing_column");
    assertEquals(message, 'Column "sku" is missing');
    await nothingIngested(t);
    assertEquals(await quality(t.kv, "orders"), { "rejected:422": 1 });
  });
});

Deno.test("Orders upload refuses a semicolon-separated file with 422", async () => {
  await withApp(async (t) => {
    const body = HEADER.replaceAll(",", ";") + "\n" + line(1).replaceAll(",", ";") + "\n";
    await expectError(await uploadOrders(t, body), 422, "missing_column");
    await nothingIngested(t);
  });
});

Deno.test("Orders upload quarantines an unterminated quote at the end, the rows before land", async () => {
  await withApp(async (t) => {
    const body = csv(line(1), line(2), `O-3,1,C,2026-11-20,"SKU-3,2,1,USD,placed`, line(4));
    const a = await answer(await uploadOrders(t, body));
    assertEquals([a.rows, a.accepted, a.quarantined], [3, 2, 1]);
    assertEquals(await reasons(t), [["malformed", undefined, 3]]);
    const [q] = await quarantined(t.kv);
    assert(q.message.includes("not closed") && q.message.includes("(line 4)"), q.message);
    assertEquals(await stagedValid(t, a.upload_id), [1, 2]);
  });
});

Deno.test("Orders upload keeps quoted newlines in a field and counts lines after them", async () => {
  await withApp(async (t) => {
    const body = csv(
      line(1, { customer_id: '"Customer\nwith, a ""note"""' }),
      line(2, { quantity: "0" }),
    );
    const a = await answer(await uploadOrders(t, body));
    assertEquals([a.rows, a.accepted, a.quarantined], [2, 1, 1]);
    const [q] = await quarantined(t.kv);
    assertEquals([q.reason, q.field, q.position], ["invalid_value", "quantity", 2]);
    assert(q.message.endsWith("(line 4)"), q.message);
    for await (const e of t.kv.list<StagedRow>({ prefix: bronzeUploadRows(a.upload_id) })) {
      if (e.value.kind === "line") {
        assertEquals(e.value.line.customerId, 'Customer\nwith, a "note"');
      }
    }
  });
});

Deno.test("Orders upload reads a file with a BOM and CRLF line ends", async () => {
  await withApp(async (t) => {
    const body = "\uFEFF" + [HEADER, line(1), line(2)].join("\r\n") + "\r\n";
    const a = await answer(await uploadOrders(t, body));
    assertEquals([a.rows, a.accepted, a.quarantined], [2, 2, 0]);
  });
});

Deno.test("Orders upload refuses a file that is not UTF-8 with 422, ingesting nothing", async () => {
  await withApp(async (t) => {
    const enc = new TextEncoder();
    const body = new Uint8Array([
      ...enc.encode(csv(line(1)) + "O-2,1,Caf"),
      0xe9,
      ...enc.encode(",2026-11-20,SKU-2,1,1,USD,placed\n"),
    ]);
    await expectError(await uploadOrders(t, body), 422, "not_utf8");
    await nothingIngested(t);
  });
});

Deno.test("Orders upload reads an unquoted 12,50 as a wrong field count and a quoted one as invalid_type", async () => {
  await withApp(async (t) => {
    const body = csv(line(1, { unit_price: "12,50" }), line(2, { unit_price: '"12,50"' }), line(3));
    const a = await answer(await uploadOrders(t, body));
    assertEquals(a.quarantined_by_reason, { malformed: 1, invalid_type: 1 });
    assertEquals(await reasons(t), [["malformed", undefined, 1], [
      "invalid_type",
      "unit_price",
      2,
    ]]);
    assertEquals(await stagedValid(t, a.upload_id), [3]);
  });
});

Deno.test("Orders upload quarantines an ambiguous date as invalid_timestamp", async () => {
  await withApp(async (t) => {
    const a = await answer(
      await uploadOrders(t, csv(line(1, { order_ts: "11/20/2026" }), line(2))),
    );
    assertEquals(await reasons(t), [["invalid_timestamp", "order_ts", 1]]);
    assertEquals(a.accepted, 1);
  });
});

Deno.test("Orders upload quarantines a quote inside an unquoted field as malformed", async () => {
  await withApp(async (t) => {
    await answer(await uploadOrders(t, csv(line(1, { customer_id: 'C"1' }), line(2))));
    assertEquals(await reasons(t), [["malformed", undefined, 1]]);
  });
});

Deno.test("Orders upload quarantines an unknown currency, a bad SKU and a missing status", async () => {
  await withApp(async (t) => {
    const body = csv(
      line(1, { currency: "CAD" }),
      line(2, { sku: "bad sku!" }),
      line(3, { status: "" }),
      line(4),
    );
    const a = await answer(await uploadOrders(t, body));
    assertEquals(await reasons(t), [
      ["unknown_currency", "currency", 1],
      ["invalid_value", "sku", 2],
      ["missing_required", "status", 3],
    ]);
    assertEquals(await quality(t.kv, "orders"), {
      received: 4,
      accepted: 1,
      quarantined: 3,
      "reason:unknown_currency": 1,
      "reason:invalid_value": 1,
      "reason:missing_required": 1,
    });
    assertEquals(a.quarantined, 3);
  });
});

Deno.test("Orders upload answers 400 without a date and reads it from a file name", async () => {
  await withApp(async (t) => {
    await expectError(await uploadOrders(t, csv(line(1)), ""), 400, "missing_date");
    await expectError(await uploadOrders(t, csv(line(1)), "date=2026-02-30"), 400, "invalid_date");
    const a = await answer(await uploadOrders(t, csv(line(1)), "filename=orders_2026-11-19.csv"));
    assertEquals((a as unknown as { date: string }).date, "2026-11-19");
  });
});

Deno.test("Orders upload answers 413 past the upload limit and leaves nothing", async () => {
  const limits = { ...testConfig().limits, uploadBytes: 2048 };
  await withApp(async (t) => {
    const lines = Array.from({ length: 100 }, (_, i) => line(i));
    // A stream without Content-Length: the limit is found while the rows are staged.
    const bytes = new TextEncoder().encode(csv(...lines));
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 500) c.enqueue(bytes.slice(i, i + 500));
        c.close();
      },
    });
    await expectError(await uploadOrders(t, body), 413, "too_large");
    await nothingIngested(t);
    assertEquals(await quality(t.kv, "orders"), { "rejected:413": 1 });
  }, { limits });
});

Deno.test("Orders upload answers 415 to JSON and 400 to a truncated gzip file", async () => {
  await withApp(async (t) => {
    await expectError(
      await uploadOrders(t, csv(line(1)), undefined, { "content-type": "application/json" }),
      415,
      "unsupported_media_type",
    );
    const zipped = await gzip(csv(...Array.from({ length: 50 }, (_, i) => line(i))));
    await expectError(
      await uploadOrders(t, zipped.slice(0, zipped.length - 20), undefined, {
        "content-encoding": "gzip",
      }),
      400,
      "malformed_body",
    );
    await nothingIngested(t);
    const ok = await answer(
      await uploadOrders(t, zipped, undefined, { "content-encoding": "gzip" }),
    );
    assertEquals(ok.accepted, 50);
  });
});

Deno.test("Orders upload quarantines a row over the row limit as too_large", async () => {
  await withApp(async (t) => {
    const a = await answer(
      await uploadOrders(t, csv(line(1, { customer_id: "x".repeat(40_000) }), line(2))),
    );
    assertEquals(await reasons(t), [["too_large", undefined, 1]]);
    assertEquals(a.accepted, 1);
    const [q] = await quarantined(t.kv);
    assert(q.raw.length <= 16 * 1024, "the raw form is cut to 16 KiB");
  });
});

Deno.test("Orders upload reports unknown columns and repairs a bad country as a warning", async () => {
  await withApp(async (t) => {
    const body = HEADER + ",gift_wrap,country\n" + line(1) + ",yes,Narnia\n";
    const a = await answer(await uploadOrders(t, body));
    assertEquals(a.unknown_columns, ["gift_wrap"]);
    assertEquals((a as unknown as { warnings_by_field: unknown }).warnings_by_field, {
      country: 1,
    });
    assertEquals((await quality(t.kv, "orders"))["warning:country"], 1);
  });
});

// --------------------------------------------------------------- inventory ---

const ROWS = [INVENTORY_HEADER, inventoryRow(1), inventoryRow(2), inventoryRow(3)];

Deno.test("Inventory upload refuses a zip bomb by its declared size with 413", async () => {
  const limits = { ...testConfig().limits, xlsxUncompressedBytes: 1 << 20 };
  await withApp(async (t) => {
    const good = workbook([{ name: "inventory", rows: ROWS }]);
    const bomb = await editWorkbook(good, () => {}, [
      { name: "xl/media/pad.bin", data: new Uint8Array(3 << 20) },
    ]);
    assert(bomb.length < 100_000, "the bomb is small");
    await expectError(await uploadInventory(t, bomb), 413, "too_large");
    await nothingIngested(t);
    assertEquals(await quality(t.kv, "inventory"), { "rejected:413": 1 });
  }, { limits });
});

Deno.test("Inventory upload refuses a zip bomb that lies about its size with 413", async () => {
  const limits = { ...testConfig().limits, xlsxUncompressedBytes: 1 << 20 };
  await withApp(async (t) => {
    const good = workbook([{ name: "inventory", rows: ROWS }]);
    const bomb = await editWorkbook(good, () => {}, [
      { name: "xl/media/pad.bin", data: new Uint8Array(3 << 20), declaredSize: 100 },
    ]);
    const message = await expectError(await uploadInventory(t, bomb), 413, "too_large");
    assert(message.includes("declared size"), message);
    await nothingIngested(t);
  }, { limits });
});

Deno.test("Inventory upload reads a sheet by its real cells when its declared range is huge", async () => {
  await withApp(async (t) => {
    const good = workbook([{ name: "inventory", rows: ROWS }]);
    const huge = await editWorkbook(good, (files) => {
      const name = [...files.keys()].find((n) => n.startsWith("xl/worksheets/"))!;
      files.set(
        name,
        files.get(name)!.replace(/<dimension ref="[^"]*"\/>/, '<dimension ref="A1:XFD1048576"/>'),
      );
    });
    const started = performance.now();
    const a = await answer(await uploadInventory(t, huge));
    assert(performance.now() - started < 2000, "no time is spent on the declared range");
    assertEquals([a.rows, a.accepted], [3, 3]);
  });
});

Deno.test("Inventory upload ignores a hidden first sheet and reads the first visible one", async () => {
  await withApp(async (t) => {
    const bytes = workbook([
      { name: "Secret", rows: [INVENTORY_HEADER, inventoryRow(9), inventoryRow(8)], hidden: true },
      { name: "Stock", rows: ROWS },
    ]);
    const a = await answer(await uploadInventory(t, bytes));
    assertEquals([a.rows, a.accepted], [3, 3]);
  });
});

Deno.test("Inventory upload prefers the sheet named Inventory in any case", async () => {
  await withApp(async (t) => {
    const bytes = workbook([
      { name: "Notes", rows: [["just notes"]] },
      { name: "INVENTORY", rows: [INVENTORY_HEADER, inventoryRow(1)] },
    ]);
    assertEquals((await answer(await uploadInventory(t, bytes))).accepted, 1);
  });
});

Deno.test("Inventory upload reads a merged cell's value in its top-left cell only", async () => {
  await withApp(async (t) => {
    const rows = [INVENTORY_HEADER, inventoryRow(1), inventoryRow(2), inventoryRow(3)];
    rows[2][2] = null;
    rows[3][2] = null;
    // category of data rows 1–3 merged vertically: rows 2 and 3 have no category.
    const bytes = workbook([{
      name: "inventory",
      rows,
      merges: [{ s: { r: 1, c: 2 }, e: { r: 3, c: 2 } }],
    }]);
    const a = await answer(await uploadInventory(t, bytes));
    assertEquals([a.accepted, a.quarantined], [1, 2]);
    assertEquals(await reasons(t), [
      ["missing_required", "category", 2],
      ["missing_required", "category", 3],
    ]);
  });
});

Deno.test("Inventory upload quarantines a formula without a cached value as invalid_value", async () => {
  await withApp(async (t) => {
    const good = workbook([{ name: "inventory", rows: ROWS }]);
    const edited = await editWorkbook(good, (files) => {
      const name = [...files.keys()].find((n) => n.startsWith("xl/worksheets/"))!;
      let xml = files.get(name)!;
      // on_hand of data row 1 (E2): a formula with no <v>; of row 2 (E3): a formula with one.
      xml = xml.replace(/<c r="E2"[^>]*>.*?<\/c>/, '<c r="E2"><f>SUM(X1:X9)</f></c>');
      xml = xml.replace(/<c r="E3"[^>]*>.*?<\/c>/, '<c r="E3"><f>6*2</f><v>12</v></c>');
      files.set(name, xml);
    });
    const a = await answer(await uploadInventory(t, edited));
    assertEquals([a.accepted, a.quarantined], [2, 1]);
    assertEquals(await reasons(t), [["invalid_value", "on_hand", 1]]);
  });
});

Deno.test("Inventory upload reads snapshot_date serials in the 1904 date system", async () => {
  await withApp(async (t) => {
    // 2026-11-25 is serial 44889 in the 1904 system (46351 in the 1900 one).
    const rows = [[...INVENTORY_HEADER, "snapshot_date"], [...inventoryRow(1), 44889]];
    const a = await answer(
      await uploadInventory(t, workbook([{ name: "inventory", rows }], { date1904: true }), ""),
    );
    assertEquals(a.week, "2026-11-23");
    const b = await answer(
      await uploadInventory(
        t,
        workbook([{ name: "inventory", rows: [rows[0], [...inventoryRow(1), 46351]] }]),
        "",
      ),
    );
    assertEquals(b.week, "2026-11-23");
  });
});

Deno.test("Inventory upload refuses an encrypted workbook with 422", async () => {
  await withApp(async (t) => {
    await expectError(await uploadInventory(t, encryptedWorkbook()), 422, "encrypted_workbook");
    const good = workbook([{ name: "inventory", rows: ROWS }]);
    const files = await editWorkbook(good, () => {});
    const flagged = await zip([{
      name: "xl/workbook.xml",
      data: files.slice(0, 10),
      encrypted: true,
    }]);
    await expectError(await uploadInventory(t, flagged), 422, "encrypted_workbook");
    await nothingIngested(t);
  });
});

Deno.test("Inventory upload refuses a macro-enabled workbook with 422", async () => {
  await withApp(async (t) => {
    const good = workbook([{ name: "inventory", rows: ROWS }]);
    const withVba = await editWorkbook(good, () => {}, [
      { name: "xl/vbaProject.bin", data: new Uint8Array([1, 2, 3]) },
    ]);
    await expectError(await uploadInventory(t, withVba), 422, "macro_enabled_workbook");
    const xlsm = await editWorkbook(good, (files) => {
      files.set(
        "[Content_Types].xml",
        files.get("[Content_Types].xml")!.replace(
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
          "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ),
      );
    });
    await expectError(await uploadInventory(t, xlsm), 422, "macro_enabled_workbook");
    await nothingIngested(t);
  });
});

Deno.test("Inventory upload refuses a file that is not a workbook with 422", async () => {
  await withApp(async (t) => {
    await expectError(await uploadInventory(t, "sku,on_hand\nA,1\n"), 422, "invalid_workbook");
    await nothingIngested(t);
  });
});

Deno.test("Inventory upload refuses a sheet missing a required column with 422", async () => {
  await withApp(async (t) => {
    const rows = [["sku", "product_name", "category", "on_hand"], ["A", "B", "C", 1]];
    const message = await expectError(
      await uploadInventory(t, workbook([{ name: "inventory", rows }])),
      422,
      "missing_column",
    );
    assertEquals(message, 'Column "warehouse" is missing');
    await nothingIngested(t);
  });
});

Deno.test("Inventory upload answers 400 to a week that is not a Monday or missing", async () => {
  await withApp(async (t) => {
    const bytes = workbook([{ name: "inventory", rows: ROWS }]);
    await expectError(await uploadInventory(t, bytes, "week=2026-11-25"), 400, "invalid_week");
    await expectError(await uploadInventory(t, bytes, ""), 400, "missing_week");
    const spans = [[...INVENTORY_HEADER, "snapshot_date"], [...inventoryRow(1), "2026-11-23"], [
      ...inventoryRow(2),
      "2026-12-01",
    ]];
    await expectError(
      await uploadInventory(t, workbook([{ name: "inventory", rows: spans }]), ""),
      422,
      "ambiguous_week",
    );
    await nothingIngested(t);
  });
});

Deno.test("Inventory upload keeps the last of repeated (sku, warehouse) rows", async () => {
  await withApp(async (t) => {
    const rows = [
      INVENTORY_HEADER,
      inventoryRow(1),
      inventoryRow(2),
      [...inventoryRow(1)],
      inventoryRow(1, "W2"),
    ];
    (rows[3] as unknown[])[4] = 99;
    const a = await answer(await uploadInventory(t, workbook([{ name: "inventory", rows }])));
    assertEquals([a.rows, a.accepted, a.duplicates], [4, 3, 1]);
    assertEquals(await stagedValid(t, a.upload_id), [2, 3, 4]);
    const [staged] = await Array.fromAsync(
      t.kv.list<StagedRow>({ prefix: bronzeUploadRows(a.upload_id) }, { limit: 2 }),
    );
    assert(staged.value.kind === "inventory" && staged.value.row.sku === "SKU-2");
    assertEquals(await quality(t.kv, "inventory"), { received: 4, accepted: 3, duplicates: 1 });
  });
});

Deno.test("Inventory upload answers 413 past the cell limit", async () => {
  const limits = { ...testConfig().limits, xlsxCells: 20 };
  await withApp(async (t) => {
    const rows = [INVENTORY_HEADER, ...Array.from({ length: 5 }, (_, i) => inventoryRow(i))];
    await expectError(
      await uploadInventory(t, workbook([{ name: "inventory", rows }])),
      413,
      "too_large",
    );
    await nothingIngested(t);
  }, { limits });
});

Deno.test("Inventory upload answers 415 to a CSV content type", async () => {
  await withApp(async (t) => {
    const res = await postBytes(t.app, "/v1/uploads/inventory?week=2026-11-23", "a,b", {
      "content-type": "text/csv",
    });
    await expectError(res, 415, "unsupported_media_type");
    const uploads: UploadRecord[] = [];
    for await (const e of t.kv.list<UploadRecord>({ prefix: bronzeUploads() })) {
      uploads.push(e.value);
    }
    assertEquals(uploads, []);
  });
});
