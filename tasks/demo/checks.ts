/**
 * The demo's summary: the read API's headline figures next to the answer key.
 *
 * @module
 */

import type { Expected } from "../generate/expected.ts";

/** One figure of the summary: what the pipeline says and what the answer key says. */
export interface DemoCheck {
  label: string;
  actual: number;
  expected: number;
}

async function getJson(
  host: string,
  path: string,
  token: string,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${host}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
  return await res.json();
}

/** Compares the read API with the answer key on the headline figures. */
export async function summaryChecks(
  host: string,
  token: string,
  expected: Expected,
): Promise<DemoCheck[]> {
  const checks: DemoCheck[] = [];
  const orders = await getJson(host, "/v1/kpis/orders?bucket=all", token);
  const events = await getJson(host, "/v1/kpis/events?bucket=all", token);
  const eo = expected.orders.all as unknown as Record<string, number>;
  const ee = expected.events.all as unknown as Record<string, number>;
  for (
    const k of ["revenue_cents", "orders", "units", "aov_cents", "customers", "refunded_cents"]
  ) {
    checks.push({ label: `orders.${k}`, actual: orders[k] as number, expected: eo[k] });
  }
  for (const k of ["events", "persons", "page_views", "cart_persons"]) {
    checks.push({ label: `events.${k}`, actual: events[k] as number, expected: ee[k] });
  }
  const { start, end } = expected.meta;
  const daily = await getJson(host, `/v1/kpis/daily?from=${start}&to=${end}`, token);
  const days = daily.days as { date: string; revenue_cents: number; events: number }[];
  const wantDays = new Map(expected.daily.days.map((d) => [d.date, d]));
  checks.push({
    label: "daily rows matching the answer key",
    actual: days.filter((d) => {
      const want = wantDays.get(d.date);
      return want && want.revenue_cents === d.revenue_cents && want.events === d.events;
    }).length,
    expected: expected.daily.days.length,
  });
  // Everything was received today (UTC): quality is counted by received day.
  const today = new Date().toISOString().slice(0, 10);
  const quality = await getJson(host, `/v1/quality?from=${today}&to=${today}`, token);
  {
    const rows = quality.days as {
      source: string;
      received: number;
      quarantined: number;
      duplicates: number;
    }[];
    type Figure = "received" | "quarantined" | "duplicates";
    const got = (source: string, k: Figure) =>
      rows.filter((r) => r.source === source).reduce((a, r) => a + r[k], 0);
    const want = (source: "orders" | "inventory", k: Figure) =>
      Object.values(expected.quality[source]).reduce((a, q) => a + q[k], 0);
    for (const k of ["received", "quarantined", "duplicates"] as const) {
      checks.push({
        label: `quality.events.${k}`,
        actual: got("events", k),
        expected: expected.quality.events[k],
      });
      checks.push({
        label: `quality.orders.${k}`,
        actual: got("orders", k),
        expected: want("orders", k),
      });
    }
    checks.push({
      label: "quality.inventory.received",
      actual: got("inventory", "received"),
      expected: want("inventory", "received"),
    });
  }
  return checks;
}

/** Prints each check with a tick or a cross; returns whether all agree. */
export function printChecks(checks: DemoCheck[]): boolean {
  let ok = true;
  for (const c of checks) {
    const same = c.actual === c.expected;
    ok &&= same;
    console.log(
      `  ${same ? "✓" : "✗"} ${c.label.padEnd(36)} ${String(c.actual).padStart(12)}  ${
        same ? "" : `(answer key ${c.expected})`
      }`,
    );
  }
  return ok;
}
