import fc from "fast-check";
import { assertEquals } from "./assert.ts";
import { dumpGold, landEvents, landInventoryFile, landOrdersFile } from "./pipeline_fixtures.ts";
import { acceptedInput, assertMatchesOracle, oracle } from "./pipeline_oracle.ts";
import { type Dataset, datasetArb, FX, shuffled } from "./pipeline_datasets.ts";
import { testConfig } from "../config.ts";
import {
  applyInventory,
  applyOrders,
  cleanEvents,
  materialise,
  rebuild,
  runAllJobs,
} from "../pipeline/jobs/mod.ts";

const config = testConfig({ fxRates: FX });

type Item =
  | { kind: "event"; i: number }
  | { kind: "orders"; i: number }
  | { kind: "inventory"; i: number };

async function land(kv: Deno.Kv, data: Dataset, items: Item[]): Promise<void> {
  for (const it of items) {
    if (it.kind === "event") await landEvents(kv, [data.events[it.i]]);
    else if (it.kind === "orders") await landOrdersFile(kv, data.orders[it.i]);
    else await landInventoryFile(kv, data.inventory[it.i]);
  }
}

function itemsOf(data: Dataset): Item[] {
  return [
    ...data.events.map((_, i) => ({ kind: "event" as const, i })),
    ...data.orders.map((_, i) => ({ kind: "orders" as const, i })),
    ...data.inventory.map((_, i) => ({ kind: "inventory" as const, i })),
  ];
}

Deno.test("pipeline gold is the same for any order, batching, duplication and after a rebuild", async () => {
  await fc.assert(
    fc.asyncProperty(
      datasetArb,
      fc.integer(),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 7 }),
      async (data, seed, jobsBetween, batchSize) => {
        const items = itemsOf(data);
        const a = await Deno.openKv(":memory:");
        const b = await Deno.openKv(":memory:");
        try {
          // A: everything in its first order, then one drain.
          await land(a, data, items);
          const run = await runAllJobs(a, config);
          assertEquals(run.drained, true);
          const goldA = await dumpGold(a);
          const expected = oracle(acceptedInput(data.events, data.orders, data.inventory, FX));
          await assertMatchesOracle(a, expected);

          // B: shuffled, with duplicated requests and files, drained in slices
          // by single jobs with small batches, then the rest.
          const dupes = items.filter((_, i) => (i + seed) % 3 === 0);
          const order = shuffled([...items, ...dupes], seed);
          const slice = Math.max(1, Math.ceil(order.length / jobsBetween.length));
          const jobs = [cleanEvents, applyOrders, applyInventory, materialise];
          for (let k = 0; k < jobsBetween.length; k++) {
            await land(b, data, order.slice(k * slice, (k + 1) * slice));
            await jobs[jobsBetween[k]](b, config, { batchSize });
          }
          await land(b, data, order.slice(jobsBetween.length * slice));
          assertEquals((await runAllJobs(b, config, { batchSize })).drained, true);
          assertEquals(await dumpGold(b), goldA, "incremental in another order");

          await rebuild(b, config);
          assertEquals(await dumpGold(b), goldA, "rebuilt from silver");
        } finally {
          a.close();
          b.close();
        }
      },
    ),
    { numRuns: 25 },
  );
});
