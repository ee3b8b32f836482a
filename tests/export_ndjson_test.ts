/**
 * NDJSON exports: one object per line, exact int64, ISO timestamps, nested
 * JSON; round trips of random rows.
 */

import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import {
  ALL_TYPE_COLUMNS,
  allTypeRows,
  chunksOf,
  concat,
  EVENTS,
  ORDER_LINES,
  seedFixtures,
} from "./export_fixtures.ts";
import { type Cell, exportStream, findTable, ndjsonLines } from "../pipeline/export/mod.ts";

type Reviver = (key: string, value: unknown, context: { source?: string }) => unknown;

/**
 * JSON.parse that turns integers of int64 columns beyond 2^53 into bigints,
 * using the number's source text.
 */
function parseExact(line: string, int64 = ["value_cents"]): Record<string, unknown> {
  const reviver: Reviver = (key, value, context) =>
    int64.includes(key) && typeof value === "number" && !Number.isSafeInteger(value) &&
      context.source &&
      /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value;
  return JSON.parse(line, reviver as (key: string, value: unknown) => unknown);
}

async function exportLines(kv: Deno.Kv, layer: string, name: string): Promise<string[]> {
  const text = new TextDecoder().decode(
    concat(await chunksOf(exportStream(kv, findTable(layer, name)!, "ndjson"))),
  );
  assert(text === "" || text.endsWith("\n"), "every line ends with LF");
  return text.split("\n").slice(0, -1);
}

Deno.test("NDJSON export of order lines round-trips, big cents exact", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await seedFixtures(kv);
    const lines = await exportLines(kv, "silver", "order_lines");
    const rows = lines.map((l) => parseExact(l));
    assertEquals(
      rows,
      ORDER_LINES.map((l) => ({
        order_id: l.line.orderId,
        line_no: l.line.lineNo,
        customer_id: l.line.customerId,
        order_ts: new Date(l.line.orderTs).toISOString(),
        sku: l.line.sku,
        quantity: l.line.quantity,
        unit_price: l.line.unitPrice,
        currency: l.line.currency,
        discount: l.line.discount,
        status: l.line.status,
        country: l.line.country ?? null,
        channel: l.line.channel ?? null,
        value_cents: Number.isSafeInteger(Number(l.cents)) ? Number(l.cents) : BigInt(l.cents),
        version_date: l.version.date,
        version_upload: l.version.upload,
        version_row: l.version.row,
      })),
    );
    assert(lines[1].includes('"value_cents":9007199254740993'), "digits written as a number");
    assertEquals(
      Object.keys(rows[0]),
      findTable("silver", "order_lines")!.columns.map((c) => c.name),
      "keys in column order",
    );
  } finally {
    kv.close();
  }
});

Deno.test("NDJSON export of events keeps nested JSON, booleans and nulls", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await seedFixtures(kv);
    const rows = (await exportLines(kv, "silver", "events")).map((l) => parseExact(l));
    assertEquals(
      rows,
      EVENTS.map((e) => ({
        id: e.id,
        message_id: e.messageId,
        type: e.type,
        event: e.event ?? null,
        user_id: e.userId ?? null,
        anonymous_id: e.anonymousId ?? null,
        person: e.person,
        ts: new Date(e.ts).toISOString(),
        received_at: new Date(e.receivedAt).toISOString(),
        step: e.step,
        order_id: e.orderId ?? null,
        revenue: e.revenue ?? null,
        historical: e.historical ?? null,
        properties: e.properties ?? null,
        context: e.context ?? null,
        traits: e.traits ?? null,
      })),
    );
  } finally {
    kv.close();
  }
});

Deno.test("ndjsonLines() round-trips random rows of every column type", () => {
  const columns = ALL_TYPE_COLUMNS;
  fc.assert(
    fc.property(allTypeRows(), (rows) => {
      const text = ndjsonLines(columns, rows as Cell[][]);
      const parsed = text.split("\n").slice(0, -1).map((l) => parseExact(l, ["c_int64"]));
      const expected = rows.map((r) =>
        Object.fromEntries(columns.map((c, i) => {
          const v = r[i];
          if (v === null) return [c.name, null];
          if (c.type === "int64") {
            return [c.name, Number.isSafeInteger(Number(v)) ? Number(v) : v];
          }
          if (c.type === "timestamp") return [c.name, new Date(v as number).toISOString()];
          // JSON has no -0: it reads back as 0.
          if (c.type === "double" && Object.is(v, -0)) return [c.name, 0];
          if (c.type === "json") return [c.name, JSON.parse(JSON.stringify(v))];
          return [c.name, v];
        }))
      );
      assertEquals(parsed, expected);
    }),
    { numRuns: 300 },
  );
});
