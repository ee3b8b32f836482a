import fc from "fast-check";
import {
  dayNumber,
  dayString,
  isoOfMs,
  isoWeekLabel,
  mondayOf,
  monthLabel,
  weekdayOf,
} from "../tasks/generate/calendar.ts";
import {
  formatD4,
  formatD4Grouped,
  lineValueCents,
  roundHalfUpDiv,
  stockValueCents,
} from "../tasks/generate/money.ts";
import { Rng, weightedSampler } from "../tasks/generate/prng.ts";
import { parseArgs } from "../tasks/generate/options.ts";
import { generate, validateOptions } from "../tasks/generate/mod.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "./assert.ts";

Deno.test("roundHalfUpDiv() rounds halves up and rejects negatives", () => {
  assertEquals(roundHalfUpDiv(5n, 2n), 3n);
  assertEquals(roundHalfUpDiv(7n, 2n), 4n);
  assertEquals(roundHalfUpDiv(4n, 3n), 1n);
  assertEquals(roundHalfUpDiv(0n, 9n), 0n);
  assertThrows(() => roundHalfUpDiv(-1n, 2n), RangeError);
});

Deno.test("lineValueCents() converts exactly and rounds half up", () => {
  // 3 × 1.9999 EUR × 1.08 = 6.479676 USD → 648 cents
  assertEquals(
    lineValueCents({ quantity: 3, priceD4: 19_999, discountD4: 0, rateD4: 10_800 }),
    648,
  );
  // 1 × 0.125 USD = 12.5 cents → 13
  assertEquals(lineValueCents({ quantity: 1, priceD4: 1_250, discountD4: 0, rateD4: 10_000 }), 13);
  // 2 × 10.00 GBP − 1.00 = 19.00 GBP × 1.27 = 24.13 USD
  assertEquals(
    lineValueCents({ quantity: 2, priceD4: 100_000, discountD4: 10_000, rateD4: 12_700 }),
    2413,
  );
});

Deno.test("lineValueCents() agrees with decimal-string arithmetic on random lines", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 50 }),
    fc.integer({ min: 0, max: 30_000_000 }),
    fc.constantFrom(10_000, 10_800, 12_700, 7_300),
    (q, price, rate) => {
      // Reference: the exact product has 8 decimals of a dollar; cents = round half up.
      const exact = BigInt(q) * BigInt(price) * BigInt(rate); // 1e-8 units
      const text = exact.toString().padStart(9, "0");
      const cents = BigInt(text.slice(0, -6) || "0");
      const rest = Number(text.slice(-6));
      const want = Number(cents + (rest >= 500_000 ? 1n : 0n));
      return lineValueCents({ quantity: q, priceD4: price, discountD4: 0, rateD4: rate }) === want;
    },
  ));
});

Deno.test("stockValueCents() and formatD4() keep four decimals exactly", () => {
  assertEquals(stockValueCents(3, 41_235), 1237);
  assertEquals(stockValueCents(1, 5), 0);
  assertEquals(stockValueCents(1, 50), 1);
  assertEquals(formatD4(125_000), "12.50");
  assertEquals(formatD4(41_235), "4.1235");
  assertEquals(formatD4(10_800, 0), "1.08");
  assertEquals(formatD4Grouped(12_995_000), "1,299.50");
  assertEquals(formatD4Grouped(9_990_000), "999.00");
});

Deno.test("isoOfMs() equals Date.prototype.toISOString for any instant", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 4_102_444_800_000 }),
      (ms) => isoOfMs(ms) === new Date(ms).toISOString(),
    ),
  );
});

Deno.test("calendar helpers name ISO weeks, Mondays and months", () => {
  assertEquals(isoWeekLabel(dayNumber("2027-01-01")), "2026-W53");
  assertEquals(isoWeekLabel(dayNumber("2026-11-25")), "2026-W48");
  assertEquals(isoWeekLabel(dayNumber("2024-12-30")), "2025-W01");
  assertEquals(dayString(mondayOf(dayNumber("2026-11-29"))), "2026-11-23");
  assertEquals(weekdayOf(dayNumber("2026-11-23")), 0);
  assertEquals(monthLabel(dayNumber("2026-11-30")), "2026-11");
  assertThrows(() => dayNumber("2026-02-30"), RangeError);
});

Deno.test("Rng streams are reproducible and weightedSampler follows its weights", () => {
  const a = new Rng("42/x"), b = new Rng("42/x"), c = new Rng("43/x");
  const xs = Array.from({ length: 5 }, () => a.u32());
  assertEquals(xs, Array.from({ length: 5 }, () => b.u32()));
  assert(xs.join() !== Array.from({ length: 5 }, () => c.u32()).join(), "Seeds collide");
  const sample = weightedSampler([1, 3]);
  const rng = new Rng("w");
  let ones = 0;
  for (let i = 0; i < 4000; i++) ones += sample(rng);
  assert(ones > 2800 && ones < 3200, `Weight 3 of 4 drawn ${ones} times in 4000`);
});

Deno.test("parseArgs() reads flags, defaults --end to yesterday and rejects bad input", () => {
  const now = new Date("2026-11-25T08:00:00Z");
  const d = parseArgs([], now);
  assertEquals([d.seed, d.days, d.persons, d.dirty, d.out, d.end], [
    42,
    30,
    2000,
    0.05,
    "out/data",
    "2026-11-24",
  ]);
  const o = parseArgs([
    "--seed",
    "9",
    "--days=3",
    "--persons",
    "50",
    "--dirty",
    "0",
    "--out",
    "x",
    "--end",
    "2026-01-05",
  ], now);
  assertEquals([o.seed, o.days, o.persons, o.dirty, o.out, o.end], [
    9,
    3,
    50,
    0,
    "x",
    "2026-01-05",
  ]);
  assertThrows(() => parseArgs(["--days", "ten"], now), RangeError, `"--days" must be a number`);
  assertThrows(() => parseArgs(["--colour", "red"], now), RangeError, "unknown");
  assertThrows(() => parseArgs(["--seed"], now), RangeError, "needs a value");
});

Deno.test("validateOptions() names the bad value", async () => {
  const ok = { seed: 1, days: 3, persons: 10, dirty: 0.05, out: "x", end: "2026-11-24" };
  assertThrows(() => validateOptions({ ...ok, days: 0 }), RangeError, `"--days"`);
  assertThrows(() => validateOptions({ ...ok, dirty: 0.9 }), RangeError, `"--dirty"`);
  assertThrows(() => validateOptions({ ...ok, persons: 2.5 }), RangeError, `"--persons"`);
  assertThrows(() => validateOptions({ ...ok, end: "2026-13-01" }), RangeError);
  await assertRejects(() => generate({ ...ok, seed: -1 }), RangeError, `"--seed"`);
});

Deno.test("Rng.hex() gives the zero-padded hex digits of the stream's next u32 draws", () => {
  fc.assert(
    fc.property(fc.string(), fc.integer({ min: 1, max: 40 }), (seed, n) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      let want = "";
      while (want.length < n) want += b.u32().toString(16).padStart(8, "0");
      return a.hex(n) === want.slice(0, n) && a.u32() === b.u32();
    }),
  );
});
