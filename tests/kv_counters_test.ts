import { addToCounter, CounterDeltas, counterValue } from "../kv/counters.ts";
import { assertEquals } from "./assert.ts";
import fc from "fast-check";

Deno.test("addToCounter() subtracts below zero and reads back signed", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const key = ["gold", "counters", "all", "orders"];
    await addToCounter(kv.atomic(), key, 5).commit();
    await addToCounter(kv.atomic(), key, -7).commit();
    assertEquals(counterValue((await kv.get(key)).value), -2);
    await addToCounter(kv.atomic(), key, 3).commit();
    assertEquals(counterValue((await kv.get(key)).value), 1);
  } finally {
    kv.close();
  }
});

Deno.test("counterValue() of an absent key is zero", () => {
  assertEquals(counterValue(null), 0);
  assertEquals(counterValue(undefined), 0);
});

Deno.test("CounterDeltas folds deltas per key and skips zero sums", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const deltas = new CounterDeltas();
    deltas.add(["gold", "a"], 2);
    deltas.add(["gold", "a"], -2);
    deltas.add(["gold", "b"], 10);
    deltas.add(["gold", "b"], -3);
    assertEquals(deltas.size, 1);
    await deltas.applyTo(kv.atomic()).commit();
    assertEquals((await kv.get(["gold", "a"])).value, null);
    assertEquals(counterValue((await kv.get(["gold", "b"])).value), 7);
  } finally {
    kv.close();
  }
});

Deno.test("signed counters equal the plain sum of any sequence of deltas", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), { maxLength: 30 }),
        async (deltas) => {
          const key = ["gold", "prop", round++];
          for (const d of deltas) await addToCounter(kv.atomic(), key, d).commit();
          const expected = deltas.reduce((a, b) => a + b, 0);
          assertEquals(counterValue((await kv.get(key)).value), expected);
        },
      ),
      { numRuns: 50 },
    );
  } finally {
    kv.close();
  }
});
