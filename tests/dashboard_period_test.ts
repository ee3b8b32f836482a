import fc from "fast-check";
import { addDays, isoWeekOfDay, mondayOfIsoWeek } from "../pipeline/contracts/buckets.ts";
import {
  customPeriod,
  daysBetween,
  MAX_CUSTOM_DAYS,
  monthPeriod,
  nextPeriod,
  parsePeriod,
  type Period,
  periodDays,
  periodQuery,
  previousPeriod,
  weekPeriod,
} from "../routes/pages/period.ts";
import { divideHalfUp, trendWindows } from "../routes/pages/overview.tsx";
import { funnelSteps, retentionCurve } from "../routes/pages/customers.tsx";
import { assert, assertEquals } from "./assert.ts";

const KINDS = ["day", "week", "month", "custom"] as const;
const arbDay = fc.integer({ min: 0, max: 40_000 }).map((n) => addDays("1990-01-01", n));

function parse(query: string, today = "2026-11-25"): Period {
  return parsePeriod(new URLSearchParams(query), {
    today,
    kinds: [...KINDS, "all"],
    fallback: "week",
  });
}

Deno.test("parsePeriod() reads day, week, month, custom and all", () => {
  assertEquals(parse("period=day&date=2026-11-20").bucket, "2026-11-20");
  assertEquals(parse("period=week&date=2026-11-25").bucket, "2026-W48");
  assertEquals(parse("period=week&date=2026-11-25").from, "2026-11-23");
  assertEquals(parse("period=month&date=2028-02-10").to, "2028-02-29");
  const custom = parse("period=custom&from=2026-11-10&to=2026-11-01");
  assertEquals([custom.from, custom.to, custom.bucket], ["2026-11-01", "2026-11-10", null]);
  assertEquals(parse("period=all").bucket, "all");
});

Deno.test("parsePeriod() falls back to the default on anything invalid", () => {
  for (const q of ["period=year", "period=week&date=2026-02-30", "date=<script>", ""]) {
    const p = parse(q);
    assertEquals(p.kind, "week", q);
    assertEquals(p.bucket, "2026-W48", q);
  }
  const p = parsePeriod(new URLSearchParams("period=all"), {
    today: "2026-11-25",
    kinds: ["week", "custom"],
    fallback: "custom",
  });
  assertEquals(p.kind, "custom", "a kind the page does not offer is refused");
});

Deno.test("a custom range is clipped to the longest allowed", () => {
  const p = customPeriod("2020-01-01", "2026-11-25");
  assertEquals(daysBetween(p.from, p.to) + 1, MAX_CUSTOM_DAYS);
  assertEquals(p.to, "2026-11-25");
});

Deno.test("every period contains its anchor and the previous one ends the day before", () => {
  fc.assert(
    fc.property(arbDay, fc.constantFrom(...KINDS), arbDay, (day, kind, other) => {
      const query = kind === "custom"
        ? `period=custom&from=${day}&to=${
          addDays(day, Math.abs(daysBetween(day, other)) % MAX_CUSTOM_DAYS)
        }`
        : `period=${kind}&date=${day}`;
      const p = parse(query, day);
      assert(p.from <= day && day <= p.to, `${day} in ${p.from}…${p.to}`);
      const prev = previousPeriod(p)!;
      assertEquals(prev.kind, p.kind);
      assertEquals(addDays(prev.to, 1), p.from);
      assertEquals(nextPeriod(prev), p);
      if (kind === "custom") {
        assertEquals(daysBetween(prev.from, prev.to), daysBetween(p.from, p.to));
      }
      assertEquals(parse(periodQuery(p), day), p, "the query string round-trips");
    }),
  );
});

Deno.test("week periods are ISO weeks, month periods calendar months", () => {
  fc.assert(
    fc.property(arbDay, (day) => {
      const w = weekPeriod(day);
      assertEquals(w.bucket, isoWeekOfDay(day));
      assertEquals(w.from, mondayOfIsoWeek(w.bucket!));
      assertEquals(periodDays(w).length, 7);
      const m = monthPeriod(day);
      assertEquals(m.bucket, day.slice(0, 7));
      assert(periodDays(m).every((d) => d.startsWith(m.bucket!)), "all days in the month");
      assertEquals(addDays(m.to, 1).slice(8), "01");
    }),
  );
});

Deno.test("trendWindows() aligns a period with the previous one, and a day with 4 weeks", () => {
  const week = weekPeriod("2026-11-25");
  const w = trendWindows(week, previousPeriod(week));
  assertEquals(w.days.length, 7);
  assertEquals(w.compare[0], "2026-11-16");
  const day = parse("period=day&date=2026-11-25");
  const d = trendWindows(day, previousPeriod(day));
  assertEquals(d.days.length, 28);
  assertEquals(d.days[27], "2026-11-25");
  assertEquals(addDays(d.compare[27], 1), d.days[0]);
});

Deno.test("divideHalfUp() rounds half up exactly", () => {
  assertEquals(divideHalfUp(5, 2), 3);
  assertEquals(divideHalfUp(7, 3), 2);
  assertEquals(divideHalfUp(10, 0), 0);
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 1, max: 1_000_000 }), (a, b) => {
      const q = divideHalfUp(a, b);
      // q = floor(a / b + 1/2), so a / b − q lies in [−1/2, 1/2).
      const twice = 2 * a - 2 * q * b;
      assert(twice >= -b && twice < b, `${a}/${b} → ${q}`);
    }),
  );
});

Deno.test("funnelSteps() gives step and overall conversion per mille", () => {
  const steps = funnelSteps({ steps: ["A", "B", "C", "D"], reached: [200, 100, 50, 0] });
  assertEquals(steps.map((s) => s.fromPrevious), [null, 500, 500, 0]);
  assertEquals(steps.map((s) => s.fromFirst), [1000, 500, 250, 0]);
  assertEquals(funnelSteps({ steps: ["A"], reached: [0] })[0].fromFirst, null);
});

Deno.test("retentionCurve() weighs cohorts by size over those that reached week k", () => {
  const curve = retentionCurve({
    cohorts: [
      { cohort: "2026-W45", active: [100, 50, 20] },
      { cohort: "2026-W46", active: [300, 30] },
      { cohort: "2026-W47", active: [10] },
    ],
  }, 3);
  assertEquals(curve, [200, 200, null]); // (50+30)/(100+300), 20/100
});
