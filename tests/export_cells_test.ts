/**
 * Typed cells: tolerant reading of producer values, and the declared tables.
 */

import { assertEquals } from "./assert.ts";
import { chunksOf, concat } from "./export_fixtures.ts";
import { goldCounter, silverOrderBlock } from "../kv/keys.ts";
import { addToCounter } from "../kv/counters.ts";
import { exportStream, findTable, jsonText, rowOf, toCell } from "../pipeline/export/mod.ts";

Deno.test("toCell() keeps values of the expected kind and converts lossless ones", () => {
  assertEquals(toCell("int64", 5), 5n);
  assertEquals(toCell("int64", "-922337203685477580"), -922337203685477580n);
  assertEquals(toCell("int64", new Deno.KvU64(2n ** 64n - 325n)), -325n, "signed counters");
  assertEquals(toCell("int32", "42"), 42);
  assertEquals(toCell("timestamp", "2026-11-25T10:00:00Z"), Date.UTC(2026, 10, 25, 10));
  assertEquals(toCell("timestamp", new Date(5)), 5);
  assertEquals(toCell("date", Date.UTC(2026, 10, 23, 12)), "2026-11-23");
  assertEquals(toCell("double", "1.5"), 1.5);
  assertEquals(toCell("boolean", "true"), true);
  assertEquals(toCell("string", 12), "12");
  assertEquals(toCell("json", { a: 1 }), { a: 1 });
});

Deno.test("toCell() turns missing, mistyped and out-of-range values into null", () => {
  assertEquals(toCell("string", undefined), null);
  assertEquals(toCell("string", { a: 1 }), null);
  assertEquals(toCell("int32", 1.5), null);
  assertEquals(toCell("int32", 2 ** 31), null);
  assertEquals(toCell("int64", 2 ** 60), null, "a number beyond 2^53 is not exact");
  assertEquals(toCell("int64", "9223372036854775808"), null);
  assertEquals(toCell("double", Number.NaN), null);
  assertEquals(toCell("boolean", 1), null);
  assertEquals(toCell("timestamp", "not a time"), null);
  assertEquals(toCell("timestamp", 9e15), null);
  assertEquals(toCell("date", "2026-13-45"), null);
  assertEquals(toCell("json", Number.POSITIVE_INFINITY), null);
});

Deno.test("jsonText() keeps every digit of bigints inside JSON values", () => {
  assertEquals(
    jsonText({ cents: 9_007_199_254_740_993n, n: [1n] }),
    '{"cents":9007199254740993,"n":[1]}',
  );
});

Deno.test("rowOf() reads a flat order line and a nested one alike, keys filling gaps", () => {
  const table = findTable("silver", "order_lines")!;
  const nested = rowOf(table.columns, {
    line: { customerId: "c-1", quantity: 2, status: "placed" },
    version: { date: "2026-11-25", upload: 3, row: 9 },
    cents: 100,
  }, ["o-1", 4]);
  const flat = rowOf(
    table.columns,
    { orderId: "o-1", lineNo: 4, customerId: "c-1", quantity: 2, status: "placed" },
    ["o-1", 4],
  );
  const byName = (row: unknown[]) =>
    Object.fromEntries(table.columns.map((c, i) => [c.name, row[i]]));
  assertEquals(byName(nested).order_id, "o-1");
  assertEquals(byName(nested).line_no, 4);
  assertEquals(byName(nested).value_cents, 100n);
  assertEquals(byName(nested).version_date, "2026-11-25");
  assertEquals(byName(flat).customer_id, "c-1");
  assertEquals(byName(flat).value_cents, null);
});

Deno.test("an export of a value of the wrong shape writes nulls instead of failing", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await kv.set(silverOrderBlock("o-odd", 0), { lines: { 1: "not an object" } });
    const op = kv.atomic();
    addToCounter(op, goldCounter("revenue_cents", "2026-11-25"), -325);
    await op.commit();
    const csv = new TextDecoder().decode(
      concat(await chunksOf(exportStream(kv, findTable("silver", "order_lines")!, "csv"))),
    );
    assertEquals(csv.split("\r\n")[1], "o-odd,1" + ",".repeat(14));
    const counters = new TextDecoder().decode(
      concat(await chunksOf(exportStream(kv, findTable("gold", "counters")!, "ndjson"))),
    );
    assertEquals(counters, '{"bucket":"2026-11-25","metric":"revenue_cents","value":-325}\n');
  } finally {
    kv.close();
  }
});
