import fc from "fast-check";
import { median, robustScore } from "../pipeline/monitoring/robust_score.ts";
import { baselineOf, scanSeries, seriesFrom } from "../pipeline/monitoring/anomaly_scan.ts";
import { assert, assertEquals, assertThrows } from "./assert.ts";

Deno.test("median() takes the middle value, or the mean of the two middle values", () => {
  assertEquals(median([5, 1, 3]), 3);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  assertEquals(median([7]), 7);
  assertThrows(() => median([]), RangeError);
});

Deno.test("robustScore() gives no verdict on fewer than 4 baseline values", () => {
  assertEquals(robustScore(100, [1, 2, 3]), null);
  assert(robustScore(100, [1, 2, 3, 4]) !== null);
});

Deno.test("robustScore() follows kpis.md: median, MAD, 1.4826 × MAD, threshold 3.5", () => {
  // baseline 10, 12, 14, 16, 18: m = 14, |x − m| = 4, 2, 0, 2, 4 → MAD = 2, scale = 2.9652
  const v = robustScore(25, [10, 12, 14, 16, 18])!;
  assertEquals([v.median, v.mad], [14, 2]);
  assertEquals(v.scale, 1.4826 * 2);
  assertEquals(v.score, 11 / (1.4826 * 2));
  assertEquals([v.anomaly, v.direction], [true, "up"]);
  // 3.5 × 2.9652 = 10.3782: 24 (score 3.372) is not an anomaly, 4 (score −3.372) neither.
  assertEquals(robustScore(24, [10, 12, 14, 16, 18])!.anomaly, false);
  assertEquals(robustScore(4, [10, 12, 14, 16, 18])!.anomaly, false);
  const low = robustScore(3, [10, 12, 14, 16, 18])!;
  assertEquals([low.anomaly, low.direction], [true, "down"]);
});

Deno.test("robustScore() uses max(1, 0.1 × |m|) as the scale when the MAD is 0", () => {
  const flat = robustScore(130, [100, 100, 100, 100])!;
  assertEquals([flat.mad, flat.scale, flat.score], [0, 10, 3]);
  assertEquals(flat.anomaly, false);
  assertEquals(robustScore(136, [100, 100, 100, 100])!.anomaly, true);
  // Around zero the floor of 1 applies: 0 → 3 is not an anomaly, 0 → 4 is.
  assertEquals(robustScore(3, [0, 0, 0, 0])!.scale, 1);
  assertEquals(robustScore(3, [0, 0, 0, 0])!.anomaly, false);
  assertEquals(robustScore(4, [0, 0, 0, 0])!.anomaly, true);
});

Deno.test("robustScore() is unchanged by shifting, and by scaling when the MAD is not 0", () => {
  // Daily KPI values are integers; doubles would only exercise subnormal rounding.
  const finite = fc.integer({ min: -1_000_000, max: 1_000_000 });
  fc.assert(
    fc.property(
      fc.array(finite, { minLength: 4, maxLength: 8 }),
      finite,
      finite,
      (base, x, shift) => {
        const a = robustScore(x, base)!;
        if (a.mad === 0) return;
        const b = robustScore(x + shift, base.map((v) => v + shift))!;
        const c = robustScore(x * 3, base.map((v) => v * 3))!;
        const close = (p: number, q: number) => Math.abs(p - q) <= 1e-6 * Math.max(1, Math.abs(p));
        assert(close(a.score, b.score), `shift changed the score: ${a.score} vs ${b.score}`);
        assert(close(a.score, c.score), `scaling changed the score: ${a.score} vs ${c.score}`);
      },
    ),
  );
});

Deno.test("baselineOf() takes the same weekday of the 8 weeks before, only days with a value", () => {
  const series = new Map<string, number>();
  // Wednesdays from 2026-09-23 (9 weeks before 2026-11-25) to 2026-11-18, and a Tuesday.
  for (
    const [d, v] of [
      ["2026-09-23", 99],
      ["2026-09-30", 1],
      ["2026-10-07", 2],
      ["2026-10-21", 4],
      ["2026-11-18", 8],
      ["2026-11-24", 50],
    ] as const
  ) series.set(d, v);
  assertEquals(baselineOf(series, "2026-11-25"), [1, 2, 4, 8]);
});

Deno.test("seriesFrom() starts a series at its first day with data", () => {
  const s = seriesFrom([["a", 0], ["b", 0], ["c", 5], ["d", 0]], (v) => v !== 0);
  assertEquals([...s.entries()], [["c", 5], ["d", 0]]);
});

Deno.test("scanSeries() reports the day that leaves its weekday's baseline", () => {
  const values = new Map<string, number>();
  const days = ["2026-10-07", "2026-10-14", "2026-10-21", "2026-10-28", "2026-11-04"];
  [100, 104, 98, 101, 20].forEach((v, i) => values.set(days[i], v));
  const findings = scanSeries([{ metric: "orders", source: null, values }], days);
  assertEquals(findings.map((f) => [f.day, f.verdict.direction]), [["2026-11-04", "down"]]);
});
