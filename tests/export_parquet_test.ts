/**
 * Parquet exports read back with hyparquet, a reader independent of the
 * writer (hyparquet-writer): every row, every value and every column type.
 */

import fc from "fast-check";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { assert, assertEquals } from "./assert.ts";
import {
  ALERTS,
  ALL_TYPE_COLUMNS,
  allTypeRows,
  chunksOf,
  concat,
  EVENTS,
  INVENTORY,
  ORDER_LINES,
  QUARANTINE,
  seedFixtures,
} from "./export_fixtures.ts";
import { silverOrderBlock } from "../kv/keys.ts";
import {
  type Cell,
  createParquetEncoder,
  exportStream,
  findTable,
} from "../pipeline/export/mod.ts";

async function readBack(
  kv: Deno.Kv,
  layer: string,
  name: string,
  options: { rowGroupRows?: number; codec?: "SNAPPY" | "UNCOMPRESSED" } = {},
) {
  const table = findTable(layer, name);
  assert(table, `Table "${layer}/${name}" is declared`);
  const bytes = concat(await chunksOf(exportStream(kv, table, "parquet", options)));
  const file = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(file).set(bytes);
  const metadata = parquetMetadata(file);
  const rows = await parquetReadObjects({ file });
  return { rows, metadata, bytes };
}

function day(text: string): Date {
  return new Date(`${text}T00:00:00.000Z`);
}

Deno.test("parquet export of order lines reads back every row and type with hyparquet", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await seedFixtures(kv);
    const { rows, metadata } = await readBack(kv, "silver", "order_lines");
    const expected = ORDER_LINES.map((l) => ({
      order_id: l.line.orderId,
      line_no: l.line.lineNo,
      customer_id: l.line.customerId,
      order_ts: new Date(l.line.orderTs),
      sku: l.line.sku,
      quantity: l.line.quantity,
      unit_price: l.line.unitPrice,
      currency: l.line.currency,
      discount: l.line.discount,
      status: l.line.status,
      country: l.line.country ?? null,
      channel: l.line.channel ?? null,
      value_cents: BigInt(l.cents),
      version_date: day(l.version.date),
      version_upload: BigInt(l.version.upload),
      version_row: l.version.row,
    }));
    assertEquals(rows, expected);
    assertEquals(rows[1].value_cents, 9_007_199_254_740_993n, "cents beyond 2^53 stay exact");
    const types = Object.fromEntries(
      metadata.schema.slice(1).map((
        e,
      ) => [e.name, [e.type, e.converted_type ?? null, e.repetition_type]]),
    );
    assertEquals(types, {
      order_id: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      line_no: ["INT32", null, "OPTIONAL"],
      customer_id: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      order_ts: ["INT64", "TIMESTAMP_MILLIS", "OPTIONAL"],
      sku: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      quantity: ["INT32", null, "OPTIONAL"],
      unit_price: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      currency: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      discount: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      status: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      country: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      channel: ["BYTE_ARRAY", "UTF8", "OPTIONAL"],
      value_cents: ["INT64", null, "OPTIONAL"],
      version_date: ["INT32", "DATE", "OPTIONAL"],
      version_upload: ["INT64", null, "OPTIONAL"],
      version_row: ["INT32", null, "OPTIONAL"],
    });
    const ts = metadata.schema.find((e) => e.name === "order_ts");
    assertEquals(ts?.logical_type, { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MILLIS" });
    assertEquals(metadata.num_rows, BigInt(ORDER_LINES.length));
    assertEquals(
      metadata.key_value_metadata?.find((kvm) => kvm.key === "table")?.value,
      "silver.order_lines",
    );
  } finally {
    kv.close();
  }
});

Deno.test("parquet export of events keeps booleans, nulls, JSON and unicode", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await seedFixtures(kv);
    const { rows, metadata } = await readBack(kv, "silver", "events");
    const expected = EVENTS.map((e) => ({
      id: e.id,
      message_id: e.messageId,
      type: e.type,
      event: e.event ?? null,
      user_id: e.userId ?? null,
      anonymous_id: e.anonymousId ?? null,
      person: e.person,
      ts: new Date(e.ts),
      received_at: new Date(e.receivedAt),
      step: e.step,
      order_id: e.orderId ?? null,
      revenue: e.revenue ?? null,
      historical: e.historical ?? null,
      properties: e.properties ?? null,
      context: e.context ?? null,
      traits: e.traits ?? null,
    }));
    assertEquals(rows, expected);
    const json = metadata.schema.find((e) => e.name === "properties");
    assertEquals([json?.type, json?.converted_type], ["BYTE_ARRAY", "JSON"]);
    const bool = metadata.schema.find((e) => e.name === "historical");
    assertEquals(bool?.type, "BOOLEAN");
  } finally {
    kv.close();
  }
});

Deno.test("parquet export of alerts, quarantine and inventory matches the records", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await seedFixtures(kv);
    const alerts = await readBack(kv, "gold", "alerts");
    // Alert ids sort newest first in KV; the fixtures are listed in key order.
    assertEquals(
      alerts.rows,
      [...ALERTS].sort((a, b) => a.id.localeCompare(b.id)).map((a) => ({
        id: a.id,
        kind: a.kind,
        metric: a.metric,
        source: a.source,
        day: day(a.day),
        value: a.value,
        baseline: a.baseline,
        score: a.score,
        direction: a.direction,
        raised_at: new Date(a.raised_at),
        message: a.message,
      })),
    );
    assertEquals(alerts.metadata.schema.find((e) => e.name === "score")?.type, "DOUBLE");

    const quarantine = await readBack(kv, "gold", "quarantine");
    assertEquals(
      quarantine.rows,
      QUARANTINE.map((q) => ({
        id: q.id,
        source: q.source,
        reason: q.reason,
        field: q.field ?? null,
        message: q.message,
        raw: q.raw,
        request_id: q.requestId,
        position: q.position,
        received_at: new Date(q.receivedAt),
        historical: q.historical ?? null,
        date: q.date ? day(q.date) : null,
        replayed_as: q.replayedAs ?? null,
      })),
    );

    const inventory = await readBack(kv, "silver", "inventory_rows");
    assertEquals(
      inventory.rows,
      INVENTORY.map(({ week, row }) => ({
        week: day(week),
        sku: row.sku,
        warehouse: row.warehouse,
        product_name: row.productName,
        category: row.category,
        on_hand: row.onHand,
        reorder_point: row.reorderPoint,
        unit_cost: row.unitCost ?? null,
        upload_id: row.upload,
        upload_row: row.row,
      })),
    );
  } finally {
    kv.close();
  }
});

Deno.test("parquet export writes one row group per rowGroupRows rows, in key order", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const n = 2_345;
    for (let i = 0; i < n; i += 500) {
      const op = kv.atomic();
      for (let j = i; j < Math.min(n, i + 500); j++) {
        const base = ORDER_LINES[j % 3];
        const orderId = `o-${String(j).padStart(6, "0")}`;
        const line = {
          ...base,
          line: {
            ...base.line,
            orderId,
            lineNo: 1,
            quantity: j,
            country: j % 7 === 0 ? undefined : "FR",
          },
        };
        op.set(silverOrderBlock(orderId, 0), { lines: { 1: line } });
      }
      await op.commit();
    }
    for (const codec of ["SNAPPY", "UNCOMPRESSED"] as const) {
      const { rows, metadata } = await readBack(kv, "silver", "order_lines", {
        rowGroupRows: 1_000,
        codec,
      });
      assertEquals(metadata.row_groups.map((g) => Number(g.num_rows)), [1_000, 1_000, 345]);
      assertEquals(rows.length, n);
      assertEquals(rows.map((r) => r.quantity), Array.from({ length: n }, (_, j) => j));
      assertEquals(
        rows.filter((r) => r.country === null).length,
        Array.from({ length: n }, (_, j) => j).filter((j) => j % 7 === 0).length,
      );
      assertEquals(
        metadata.row_groups[0].columns[0].meta_data?.codec,
        codec,
      );
    }
  } finally {
    kv.close();
  }
});

Deno.test("parquet export of an empty table is a valid file with the declared schema", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const { rows, metadata, bytes } = await readBack(kv, "gold", "alerts");
    assertEquals(rows, []);
    assertEquals(metadata.num_rows, 0n);
    assertEquals(
      metadata.schema.slice(1).map((e) => e.name),
      findTable("gold", "alerts")!.columns.map((c) => c.name),
    );
    assertEquals(new TextDecoder().decode(bytes.slice(0, 4)), "PAR1");
    assertEquals(new TextDecoder().decode(bytes.slice(-4)), "PAR1");
  } finally {
    kv.close();
  }
});

Deno.test("createParquetEncoder() round-trips random rows of every column type", async () => {
  const columns = ALL_TYPE_COLUMNS;
  await fc.assert(
    fc.asyncProperty(
      allTypeRows({ text: fc.string({ unit: "grapheme" }), maxRows: 40 }),
      fc.integer({ min: 1, max: 16 }),
      async (rows, groupRows) => {
        const enc = createParquetEncoder(columns);
        const parts = [enc.start()];
        for (let i = 0; i < rows.length; i += groupRows) {
          parts.push(enc.writeRowGroup(rows.slice(i, i + groupRows) as Cell[][]));
        }
        parts.push(enc.finish());
        const bytes = concat(parts);
        const file = new ArrayBuffer(bytes.byteLength);
        new Uint8Array(file).set(bytes);
        const read = await parquetReadObjects({ file });
        const expected = rows.map((r) =>
          Object.fromEntries(columns.map((c, i) => {
            const v = r[i];
            if (v === null) return [c.name, null];
            if (c.type === "timestamp") return [c.name, new Date(v as number)];
            if (c.type === "date") return [c.name, new Date(`${v}T00:00:00.000Z`)];
            if (c.type === "json") return [c.name, JSON.parse(JSON.stringify(v))];
            return [c.name, v];
          }))
        );
        assertEquals(read, expected);
      },
    ),
    { numRuns: 60 },
  );
});

/** Unsigned byte order of the UTF-8 encodings, independent of the encoder's comparison. */
function utf8Order(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

Deno.test("parquet statistics give each row group's null count and true min/max bounds", () => {
  const columns = ALL_TYPE_COLUMNS;
  fc.assert(
    fc.property(
      allTypeRows({ text: fc.string({ unit: "grapheme", maxLength: 30 }), maxRows: 30 }),
      fc.integer({ min: 1, max: 12 }),
      (rows, groupRows) => {
        const enc = createParquetEncoder(columns, { rowGroupRows: groupRows });
        const bytes = concat([enc.start(), enc.append(rows as Cell[][]), enc.finish()]);
        const metadata = parquetMetadata(bytes.buffer.slice(0));
        let first = 0;
        for (const group of rows.length === 0 ? [] : metadata.row_groups) {
          const cells = rows.slice(first, first + Number(group.num_rows));
          first += cells.length;
          columns.forEach((c, i) => {
            const stats = group.columns[i].meta_data?.statistics;
            const where = `${c.name} of rows ${first - cells.length}…${first - 1}`;
            const values = cells.map((r) => r[i]).filter((v) => v !== null);
            assertEquals(stats?.null_count, BigInt(cells.length - values.length), where);
            const norm = (v: unknown) => v instanceof Date ? v.getTime() : v;
            const [min, max] = [norm(stats?.min_value), norm(stats?.max_value)];
            if (c.type === "json" || values.length === 0) {
              assertEquals([min, max], [undefined, undefined], where);
              return;
            }
            if (c.type === "string" || c.type === "decimal") {
              const sorted = (values as string[]).sort(utf8Order);
              const [lo, hi] = [sorted[0], sorted.at(-1)!];
              if (lo.length > 64 || hi.length > 64) {
                assertEquals([min, max], [undefined, undefined], where);
                return;
              }
              const exactMin = stats?.is_min_value_exact !== false;
              const exactMax = stats?.is_max_value_exact !== false;
              if (exactMin) assertEquals(min, lo, where);
              else assert(lo.startsWith(min as string), `${where}: min is a prefix`);
              if (exactMax) assertEquals(max, hi, where);
              else assert(utf8Order(max as string, hi) > 0, `${where}: max bounds above`);
              return;
            }
            const physical = values.map((v) =>
              c.type === "date" ? Date.parse(`${v}T00:00:00Z`) : v
            ) as (number | bigint | boolean)[];
            let lo = physical.reduce((a, b) => (b < a ? b : a));
            let hi = physical.reduce((a, b) => (b > a ? b : a));
            // Parquet writes a zero bound of a DOUBLE as -0 (min) and +0 (max).
            if (c.type === "double" && lo === 0) lo = -0;
            if (c.type === "double" && hi === 0) hi = 0;
            assertEquals([min, max], [lo, hi], where);
          });
        }
      },
    ),
    { numRuns: 60 },
  );
});
