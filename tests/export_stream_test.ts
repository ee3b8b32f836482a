/**
 * Streaming: exports are read from KV only as the consumer pulls, in bounded
 * chunks, and stop reading when the consumer cancels.
 */

import { assert, assertEquals } from "./assert.ts";
import { ORDER_LINES } from "./export_fixtures.ts";
import { silverOrderBlock } from "../kv/keys.ts";
import { type ExportFormat, exportStream, findTable } from "../pipeline/export/mod.ts";

const ROWS = 3_000;

async function seedLines(kv: Deno.Kv, n: number): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(n, i + 500); j++) {
      const orderId = `o-${String(j).padStart(7, "0")}`;
      const base = ORDER_LINES[j % 3];
      const line = { ...base, line: { ...base.line, orderId, lineNo: 1 } };
      op.set(silverOrderBlock(orderId, 0), { lines: { 1: line } });
    }
    await op.commit();
  }
}

/** A KV handle that counts the entries its list iterators have produced. */
function countingKv(kv: Deno.Kv): { kv: Deno.Kv; listed: () => number; lists: () => number } {
  let listed = 0;
  let lists = 0;
  const spy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "list") {
        return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
          lists++;
          const inner = target.list(selector, options);
          return (async function* () {
            for await (const entry of inner) {
              listed++;
              yield entry;
            }
          })();
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: spy, listed: () => listed, lists: () => lists };
}

for (const format of ["csv", "ndjson", "parquet"] as ExportFormat[]) {
  Deno.test(`${format} export reads KV lazily and yields bounded chunks`, async () => {
    const base = await Deno.openKv(":memory:");
    try {
      await seedLines(base, ROWS);
      const { kv, listed, lists } = countingKv(base);
      const table = findTable("silver", "order_lines")!;
      const rowGroupRows = 700;
      const stream = exportStream(kv, table, format, { batchSize: 250, rowGroupRows });
      assertEquals(listed(), 0, "nothing is read before the first pull");
      const reader = stream.getReader();
      const sizes: number[] = [];
      let first = true;
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        sizes.push(value.length);
        if (first && value.length > 8) {
          first = false;
          // The stream may read one chunk ahead of the consumer, never the table.
          const perChunk = format === "parquet" ? rowGroupRows + 250 : 250;
          assert(
            listed() <= 2 * perChunk,
            `after the first data chunk only ${listed()} of ${ROWS} rows were read`,
          );
        }
      }
      assertEquals(listed(), ROWS);
      // Two listings: order lines still in the per-line layout (none here), then the blocks.
      assertEquals(lists(), 2);
      const total = sizes.reduce((a, b) => a + b, 0);
      const largest = Math.max(...sizes);
      const expectedChunks = format === "parquet"
        ? Math.ceil(ROWS / rowGroupRows)
        : Math.ceil(ROWS / 250);
      assert(
        sizes.length >= expectedChunks,
        `${sizes.length} chunks for ${ROWS} rows (at least ${expectedChunks})`,
      );
      // Batches (and row groups) differ a little in size, never by the table.
      assert(
        largest <= 3 * total / expectedChunks,
        `largest chunk ${largest} B of ${total} B is bounded by one batch or row group`,
      );
    } finally {
      base.close();
    }
  });
}

Deno.test("cancelling an export stops the KV listing", async () => {
  const base = await Deno.openKv(":memory:");
  try {
    await seedLines(base, ROWS);
    const { kv, listed } = countingKv(base);
    const stream = exportStream(kv, findTable("silver", "order_lines")!, "ndjson", {
      batchSize: 100,
    });
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    const afterCancel = listed();
    assert(afterCancel < ROWS / 2, `only ${afterCancel} rows read before the cancel`);
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(listed(), afterCancel, "no reads after the cancel");
  } finally {
    base.close();
  }
});
