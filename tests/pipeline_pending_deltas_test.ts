import fc from "fast-check";
import { assert, assertEquals } from "./assert.ts";
import { counterAt, landOrdersFile, orderLine } from "./pipeline_fixtures.ts";
import { testConfig } from "../config.ts";
import { goldCounter, metaDirtyOf, metaPendingDeltas, metaPendingDeltasOf } from "../kv/keys.ts";
import { listAll } from "../kv/mod.ts";
import { runAllJobs } from "../pipeline/jobs/mod.ts";
import { keyId } from "../pipeline/jobs/commit_size.ts";
import {
  DEFERRED_PER_RECORD,
  DIRTY_PARTITION,
  pendingRecordCount,
  pendingRecordValues,
} from "../pipeline/jobs/pending_deltas.ts";
import { compactPending, expandPending } from "../pipeline/jobs/pending_codec.ts";

const config = testConfig();

const entriesArb = fc.record({
  counters: fc.uniqueArray(
    fc.record({
      bucket: fc.constantFrom("2026-11-23", "2026-W48", "2026-11", "all"),
      sku: fc.integer({ min: 0, max: 400 }).map((n) => `SKU-${n}`),
      delta: fc.integer({ min: -5, max: 5 }),
    }),
    { selector: (c) => `${c.bucket}/${c.sku}`, maxLength: 1200 },
  ),
  counts: fc.uniqueArray(
    fc.record({
      customer: fc.integer({ min: 0, max: 300 }).map((n) => `c${n}`),
      field: fc.constantFrom("2026-11-23", "all"),
      delta: fc.constantFrom(-1, 1),
    }),
    { selector: (c) => `${c.customer}/${c.field}`, maxLength: 600 },
  ),
  dirty: fc.integer({ min: 0, max: 300 }),
});

Deno.test("pendingRecordValues() keeps one partition per record, sorted, within the record size, marks last", () => {
  fc.assert(
    fc.property(entriesArb, ({ counters, counts, dirty }) => {
      const partitionOf = (key: Deno.KvKey) =>
        `${String(key[0])}/${key[0] === "gold" ? String(key[2]) : ""}`;
      const input = {
        counters: counters.map((c) => {
          const key = ["gold", "sku", c.bucket, c.sku, "units"];
          return { id: keyId(key), key, delta: c.delta };
        }),
        counts: counts.map((c) => {
          const key = ["silver", "customer_counts", c.customer, "2026"];
          return { id: keyId(key), key, field: c.field, delta: c.delta };
        }),
        dirty: Array.from({ length: dirty }, (_, i): [string, string] => ["orders", `d${i}`]),
      };
      const values = pendingRecordValues(input, partitionOf);
      const labels = values.map((v) => v.p!);
      assertEquals(labels, [...labels].sort(), "records in partition order");
      let counterN = 0;
      let countN = 0;
      let marks = 0;
      for (const v of values) {
        const n = v.counters.length + (v.counts?.length ?? 0) + v.dirty.length;
        assert(n > 0 && n <= DEFERRED_PER_RECORD, `record of ${n} entries`);
        if (v.dirty.length > 0) assertEquals(v.p, DIRTY_PARTITION);
        for (const [key] of v.counters) assertEquals(partitionOf(key), v.p);
        for (const [key] of v.counts ?? []) assertEquals(partitionOf(key), v.p);
        const ids = v.counters.map(([key]) => keyId(key));
        assertEquals(ids, [...ids].sort(), "counters in key order");
        counterN += v.counters.length;
        countN += v.counts?.length ?? 0;
        marks += v.dirty.length;
      }
      assertEquals(counterN, counters.filter((c) => c.delta !== 0).length);
      assertEquals(countN, counts.length);
      assertEquals(marks, dirty);
      const perPartition = new Map<string, number>();
      for (const k of [...input.counters, ...input.counts].map((e) => partitionOf(e.key))) {
        perPartition.set(k, (perPartition.get(k) ?? 0) + 1);
      }
      assert(values.length <= pendingRecordCount(perPartition.values(), dirty), "count is a bound");
    }),
    { numRuns: 60 },
  );
});

Deno.test("applyOrders() folds pending-delta records of an older store (no partition, no counts)", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await landOrdersFile(kv, { date: "2026-11-24", lines: [orderLine({ quantity: 2 })] });
    await runAllJobs(kv, config);
    const key = goldCounter("units", "all");
    const before = await counterAt(kv, key);
    // The shape older versions wrote: counters in key order, marks last, no `p`.
    const legacy = { counters: [[key, 3]], dirty: [["orders", "all"]] };
    await kv.set(metaPendingDeltas("apply_orders", "00000000000000000000-0000"), legacy);
    const run = await runAllJobs(kv, config);
    assertEquals(run.drained, true);
    assertEquals(await counterAt(kv, key), before + 3);
    assertEquals((await listAll(kv, metaPendingDeltasOf("apply_orders"))).length, 0);
    assertEquals((await listAll(kv, metaDirtyOf("orders"))).length, 0);
  } finally {
    kv.close();
  }
});

const keyPartArb: fc.Arbitrary<Deno.KvKeyPart> = fc.oneof(
  fc.constantFrom("gold", "sku", "counters", "2026-11-23", "all", "units"),
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.boolean(),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 3 }),
);

Deno.test("expandPending() restores every record compactPending() stores", () => {
  const keyArb = fc.array(keyPartArb, { minLength: 1, maxLength: 5 });
  fc.assert(
    fc.property(
      fc.record({
        p: fc.option(fc.string(), { nil: undefined }),
        counters: fc.array(fc.tuple(keyArb, fc.integer())),
        counts: fc.option(fc.array(fc.tuple(keyArb, fc.string(), fc.integer())), {
          nil: undefined,
        }),
        dirty: fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 }),
      }),
      (r) => {
        const record = Object.fromEntries(
          Object.entries(r).filter(([, v]) => v !== undefined),
        ) as typeof r;
        const expanded = expandPending(compactPending(record));
        if (record.counts?.length === 0) delete record.counts;
        assertEquals(expanded, record);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("compactPending() keeps a bucket's shared key parts and each string once", () => {
  const key = (sku: string, metric: string) => ["gold", "sku", "2026-11-23", sku, metric];
  const stored = compactPending({
    p: "gold\u0001sku\u00012026-11-23",
    counters: [[key("A", "units"), 2], [key("A", "revenue_cents"), 1999], [key("B", "units"), -1]],
    dirty: [],
  });
  assertEquals(stored.base, ["gold", "sku", "2026-11-23"]);
  assertEquals(stored.s, ["A", "units", "revenue_cents", "B"]);
  assertEquals(stored.c, [2, 0, 1, 2, 2, 0, 2, 1999, 2, 3, 1, -1]);
  // Records of older stores (full keys) are read as they are.
  const older = { counters: [[key("A", "units"), 2] as [Deno.KvKey, number]], dirty: [] };
  assertEquals(expandPending(older), older);
});
