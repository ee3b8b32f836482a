import fc from "fast-check";
import type { QuarantineRecord, ReasonCode } from "../pipeline/contracts/types.ts";
import { quarantineRecordOf, writeQuarantine } from "../pipeline/ingest/quarantine.ts";
import {
  BadCursorError,
  decodeCursor,
  encodeCursor,
  listQuarantine,
  type ListQuarantineOptions,
} from "../pipeline/monitoring/quarantine_list.ts";
import { assertEquals, assertRejects, assertThrows } from "./assert.ts";

const SOURCES = ["events", "orders", "inventory"] as const;
const REASONS: ReasonCode[] = ["malformed", "invalid_type", "unknown_currency", "too_old"];

async function seed(kv: Deno.Kv, n: number): Promise<QuarantineRecord[]> {
  const records: QuarantineRecord[] = [];
  for (let i = 0; i < n; i++) {
    const record = quarantineRecordOf({
      source: SOURCES[i % 3],
      rejection: { reason: REASONS[(i * 7) % 4], message: `Record ${i} is bad` },
      raw: `raw-${i}`,
      requestId: `req-${Math.floor(i / 10)}`,
      position: i % 10,
      receivedAt: Date.UTC(2026, 10, 1) + i * 60_000,
    });
    records.push(record);
  }
  for (let i = 0; i < records.length; i += 100) {
    const op = kv.atomic();
    for (const r of records.slice(i, i + 100)) writeQuarantine(op, r);
    await op.commit();
  }
  // Newest first.
  return records.reverse();
}

async function allPages(kv: Deno.Kv, options: ListQuarantineOptions): Promise<QuarantineRecord[]> {
  const out: QuarantineRecord[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await listQuarantine(kv, { ...options, cursor });
    out.push(...page.records);
    if (page.next_cursor === null) return out;
    cursor = page.next_cursor;
  }
  throw new Error("Paging does not end");
}

Deno.test("listQuarantine() lists newest first and pages through every record once", async () => {
  using kv = await Deno.openKv(":memory:");
  const records = await seed(kv, 75);
  const first = await listQuarantine(kv, { limit: 10 });
  assertEquals(first.records.map((r) => r.id), records.slice(0, 10).map((r) => r.id));
  assertEquals((await allPages(kv, { limit: 10 })).map((r) => r.id), records.map((r) => r.id));
  const last = await listQuarantine(kv, { limit: 500 });
  assertEquals([last.records.length, last.next_cursor], [75, null]);
});

Deno.test("listQuarantine() pages filtered listings to exactly the filtered records", async () => {
  using kv = await Deno.openKv(":memory:");
  const records = await seed(kv, 90);
  await fc.assert(
    fc.asyncProperty(
      fc.option(fc.constantFrom(...SOURCES), { nil: undefined }),
      fc.option(fc.constantFrom(...REASONS), { nil: undefined }),
      fc.integer({ min: 1, max: 40 }),
      async (source, reason, limit) => {
        const expected = records.filter((r) =>
          (source === undefined || r.source === source) &&
          (reason === undefined || r.reason === reason)
        );
        const got = await allPages(kv, { source, reason, limit });
        assertEquals(got.map((r) => r.id), expected.map((r) => r.id));
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("listQuarantine() refuses a cursor it did not issue", async () => {
  using kv = await Deno.openKv(":memory:");
  await assertRejects(() => listQuarantine(kv, { cursor: "not a cursor!" }), BadCursorError);
  await assertRejects(() => listQuarantine(kv, { cursor: btoa("[1,2]") }), BadCursorError);
  assertThrows(() => decodeCursor(""), BadCursorError);
  assertEquals(decodeCursor(encodeCursor("2r4y/é")), "2r4y/é");
});
