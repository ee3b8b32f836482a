/**
 * Overview: revenue, orders, AOV, persons and conversion for a period against
 * the previous one, daily trends, and a live "events today" figure.
 *
 * Figures of a day, week or month come from that bucket's order and event
 * KPIs. A custom range has no bucket: its money and counts are sums of the
 * daily series (exact), its AOV is `round_half_up(revenue / orders)`, its
 * persons are person-days (distinct persons do not add up across days), and
 * conversion is not shown.
 *
 * Conversion = persons who reached step 4 of the funnel (viewed, added,
 * started checkout and completed an order in the bucket) ÷ persons who
 * viewed a product (`funnel.reached[3] / funnel.reached[0]`): both sides are
 * persons of the same bucket, so it stays within 0–100%, unlike orders ÷
 * persons, which counts orders against people and mixes sources.
 *
 * @module
 */

import { dayOf } from "../../pipeline/contracts/buckets.ts";
import { readDaily, readEventKpis, readOrderKpis } from "../../pipeline/read/mod.ts";
import type { DailyRow } from "../../pipeline/read/types.ts";
import LiveCount from "../../islands/LiveCount.tsx";
import { perMille } from "../../islands/format.ts";
import { ChartFigure } from "./components/ChartFigure.tsx";
import { Kpi } from "./components/Kpi.tsx";
import { PeriodPicker } from "./components/PeriodPicker.tsx";
import type { PageContext, PageView } from "./pages.ts";
import {
  daysBetween,
  parsePeriod,
  type Period,
  periodDays,
  type PeriodKind,
  previousPeriod,
  shortDay,
} from "./period.ts";
import { Island } from "./render.ts";
import { addDays } from "../../pipeline/contracts/buckets.ts";

/** Kinds of period the overview offers. */
export const OVERVIEW_KINDS: PeriodKind[] = ["day", "week", "month", "custom"];

/** URL of the live "events today" figure. */
export const LIVE_EVENTS_URL = "/live/events-today";

/** How often the live figure polls, ms. */
export const LIVE_INTERVAL_MS = 5000;

/** The headline figures of one period. */
export interface Headline {
  revenue_cents: number;
  orders: number;
  aov_cents: number;
  /** Distinct persons (bucket) or person-days (custom range). */
  persons: number;
  /** Conversion in per-mille, `null` for custom ranges or without product views. */
  conversion: number | null;
  events: number;
}

/** `round_half_up(a / b)` on integers; 0 when `b` is 0. */
export function divideHalfUp(a: number, b: number): number {
  if (b === 0) return 0;
  return Number((2n * BigInt(a) + BigInt(b)) / (2n * BigInt(b)));
}

/** Sums of the daily rows of a range (exact integers). */
function sumDays(rows: DailyRow[]): Headline {
  const sum = (f: (r: DailyRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const revenue = sum((r) => r.revenue_cents);
  const orders = sum((r) => r.orders);
  return {
    revenue_cents: revenue,
    orders,
    aov_cents: divideHalfUp(revenue, orders),
    persons: sum((r) => r.persons),
    conversion: null,
    events: sum((r) => r.events),
  };
}

/**
 * The headline figures of a period: from its bucket's KPIs, or summed from
 * the daily rows for a custom range (`daily` is awaited only then, so the
 * bucket reads need not wait for it).
 */
export async function headlineOf(
  kv: Deno.Kv,
  p: Period,
  daily: Promise<DailyRow[]>,
): Promise<Headline> {
  if (p.bucket === null) {
    return sumDays((await daily).filter((d) => d.date >= p.from && d.date <= p.to));
  }
  const [orders, events] = await Promise.all([
    readOrderKpis(kv, p.bucket),
    readEventKpis(kv, p.bucket),
  ]);
  return {
    revenue_cents: orders.revenue_cents,
    orders: orders.orders,
    aov_cents: orders.aov_cents,
    persons: events.persons,
    conversion: perMille(events.funnel.reached[3] ?? 0, events.funnel.reached[0] ?? 0),
    events: events.events,
  };
}

/** The days the trend charts show and the days they are compared with, aligned by index. */
export function trendWindows(
  p: Period,
  prev: Period | null,
): { days: string[]; compare: string[] } {
  const days = periodDays(p);
  if (days.length >= 7 && prev) {
    return { days, compare: periodDays(prev) };
  }
  // A single day: the four weeks up to it, against the four weeks before.
  const from = addDays(p.to, -27);
  return {
    days: periodDays({ ...p, from }),
    compare: periodDays({ ...p, from: addDays(from, -28), to: addDays(from, -1) }),
  };
}

function previousLabel(p: Period): string {
  switch (p.kind) {
    case "day":
      return "previous day";
    case "week":
      return "previous week";
    case "month":
      return "previous month";
    default:
      return `previous ${daysBetween(p.from, p.to) + 1} days`;
  }
}

/** Loads and renders the overview. */
export async function loadOverview(ctx: PageContext): Promise<PageView> {
  const today = dayOf(ctx.now);
  const period = parsePeriod(ctx.url.searchParams, {
    today,
    kinds: OVERVIEW_KINDS,
    fallback: "week",
  });
  const prev = previousPeriod(period)!;
  const { days, compare } = trendWindows(period, prev);
  const first = [compare[0], days[0], prev.from].sort()[0];
  // One round of reads: the headlines read their buckets alongside the daily rows.
  const dailyRead = readDaily(ctx.kv, first, period.to).then((r) => r.days);
  const [daily, live, current, previous] = await Promise.all([
    dailyRead,
    readEventKpis(ctx.kv, today),
    headlineOf(ctx.kv, period, dailyRead),
    headlineOf(ctx.kv, prev, dailyRead),
  ]);
  const byDay = new Map(daily.map((d) => [d.date, d]));
  const series = (f: (r: DailyRow) => number) => ({
    // Days after today have no data yet: gaps, not zeros.
    now: days.map((d) => (d > today ? null : f(byDay.get(d)!))),
    before: days.map((_, i) => (compare[i] ? f(byDay.get(compare[i])!) : null)),
  });
  const labels = days.map((d) => shortDay(d, false));
  const compareLabels = days.map((_, i) => (compare[i] ? shortDay(compare[i], false) : ""));
  const vs = previousLabel(period);
  // A headline figure with the same figure of the previous period, for a Kpi.
  const compared = (k: Exclude<keyof Headline, "events">) => ({
    value: current[k],
    previous: previous[k],
    previousLabel: vs,
  });
  const custom = period.kind === "custom";
  const charts = [
    {
      id: "revenue",
      title: "Revenue per day",
      unit: "cents" as const,
      f: (r: DailyRow) => r.revenue_cents,
    },
    { id: "orders", title: "Orders per day", unit: "count" as const, f: (r: DailyRow) => r.orders },
    { id: "events", title: "Events per day", unit: "count" as const, f: (r: DailyRow) => r.events },
  ];
  return {
    title: "Overview",
    tools: <PeriodPicker period={period} kinds={OVERVIEW_KINDS} action="/" today={today} />,
    body: (
      <>
        <div class="kpis">
          <Kpi id="revenue" label="Revenue" unit="cents" {...compared("revenue_cents")} />
          <Kpi id="orders" label="Orders" unit="count" {...compared("orders")} />
          <Kpi id="aov" label="Average order value" unit="cents" {...compared("aov_cents")} />
          <Kpi
            id="persons"
            label={custom ? "Person-days" : "Persons"}
            unit="count"
            {...compared("persons")}
          />
          <Kpi
            id="conversion"
            label="Conversion"
            unit="percent"
            {...compared("conversion")}
            note={custom ? "Per day, week or month only" : undefined}
          />
          <Kpi id="events-today" label="Events today" value={live.events} unit="count">
            <p class="value">
              <Island
                of={LiveCount}
                props={{
                  url: LIVE_EVENTS_URL,
                  initial: live.events,
                  asOf: new Date(ctx.now).toISOString(),
                  intervalMs: LIVE_INTERVAL_MS,
                }}
              />
            </p>
          </Kpi>
        </div>
        <div class="grid">
          {charts.map((c, i) => {
            const s = series(c.f);
            return (
              <ChartFigure
                key={c.id}
                wide={i === 0}
                id={c.id}
                title={c.title}
                subtitle={days.length === periodDays(period).length
                  ? period.label
                  : `4 weeks to ${shortDay(period.to)}`}
                labelHeader="Day"
                labels={labels}
                unit={c.unit}
                series={[
                  { name: "This period", values: s.now, tone: 1 },
                  { name: "Previous", values: s.before, tone: 2, dashed: true },
                ]}
                rowLabels={{ 1: compareLabels }}
              />
            );
          })}
        </div>
        <p class="muted small">
          {period.from <= today && today <= period.to &&
            `${period.label} is in progress: its figures are to date, against the whole previous period. `}
          Conversion: persons who viewed a product, added to cart, started checkout and completed an
          order in the period, out of persons who viewed a product. All times UTC.
        </p>
      </>
    ),
  };
}
