import fc from "fast-check";
import {
  formatCents,
  formatCompact,
  formatCount,
  formatPerMille,
  formatRatio,
  formatSeconds,
  perMille,
} from "../islands/format.ts";
import { alertValue } from "../routes/pages/alerts.tsx";
import { assert, assertEquals } from "./assert.ts";

Deno.test("formatCents() formats integer cents exactly", () => {
  assertEquals(formatCents(0), "$0.00");
  assertEquals(formatCents(5), "$0.05");
  assertEquals(formatCents(123456789), "$1,234,567.89");
  assertEquals(formatCents(-1999), "−$19.99");
  assertEquals(formatCents(Number.MAX_SAFE_INTEGER), "$90,071,992,547,409.91");
  assertEquals(formatCents(1.5), "—");
});

Deno.test("formatCents() agrees with bigint decimal text for every safe integer", () => {
  fc.assert(
    fc.property(fc.maxSafeInteger(), (n) => {
      const b = BigInt(n < 0 ? -n : n);
      const text = `${b / 100n}.${String(b % 100n).padStart(2, "0")}`;
      assertEquals(formatCents(n).replace(/[−$,]/g, ""), text);
    }),
  );
});

Deno.test("perMille() rounds the ratio half up", () => {
  assertEquals(perMille(1, 3), 333);
  assertEquals(perMille(2, 3), 667);
  assertEquals(perMille(1, 8), 125);
  assertEquals(perMille(1, 2000), 1); // 0.5 per mille rounds up
  assertEquals(perMille(3, 0), null);
  fc.assert(
    fc.property(fc.nat({ max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), (a, b) => {
      const pm = perMille(a, b)!;
      const exact = (1000 * a) / b;
      assert(Math.abs(pm - exact) <= 0.5 + 1e-9, `${a}/${b}: ${pm} vs ${exact}`);
    }),
  );
});

Deno.test("percent, count, duration and compact formats", () => {
  assertEquals(formatRatio(1, 8), "12.5%");
  assertEquals(formatRatio(1, 0), "—");
  assertEquals(formatPerMille(-25), "−2.5%");
  assertEquals(formatCount(1234567), "1,234,567");
  assertEquals(formatSeconds(3725), "1h 2m");
  assertEquals(formatSeconds(0.25), "0.25s");
  assertEquals(formatCompact(1234567, "cents"), "$12.3k");
  assertEquals(formatCompact(2_500_000, "count"), "2.5M");
  assertEquals(formatCompact(250, "percent"), "25.0%");
});

Deno.test("alertValue() shows money, rates and counts in their units", () => {
  assertEquals(alertValue("revenue_cents", 126416), "$1,264.16");
  assertEquals(alertValue("quarantine_rate", 12.345), "12.3%");
  assertEquals(alertValue("orders", 17), "17");
  assertEquals(alertValue("persons", 27.5), "27.5");
  assertEquals(alertValue("events", null), "—");
});
