/**
 * Customers: the funnel with step conversion, cart abandonment and
 * repeat-purchase rate of a period, and weekly retention as a cohort heatmap
 * and an average retention curve.
 *
 * @module
 */

import { dayOf } from "../../pipeline/contracts/buckets.ts";
import { readEventKpis, readOrderKpis, readRetention } from "../../pipeline/read/mod.ts";
import type { RetentionKpis } from "../../pipeline/read/types.ts";
import { formatCount, formatPerMille, formatRatio, perMille } from "../../islands/format.ts";
import { BarTable } from "./components/BarTable.tsx";
import { ChartFigure } from "./components/ChartFigure.tsx";
import { Kpi } from "./components/Kpi.tsx";
import { PeriodPicker } from "./components/PeriodPicker.tsx";
import type { PageContext, PageView } from "./pages.ts";
import { parsePeriod, type PeriodKind } from "./period.ts";
import { Card } from "./components/Card.tsx";

/** Kinds of period the customers page offers. */
export const CUSTOMERS_KINDS: PeriodKind[] = ["day", "week", "month", "all"];

/** Most recent cohorts in the heatmap. */
export const HEATMAP_COHORTS = 16;

/** Week offsets in the heatmap and the curve (0 = the cohort's first week). */
export const HEATMAP_WEEKS = 12;

/** One step of the funnel with its conversions. */
export interface FunnelStep {
  step: string;
  reached: number;
  /** Per-mille of the previous step (`null` for the first). */
  fromPrevious: number | null;
  /** Per-mille of the first step. */
  fromFirst: number | null;
}

/** The funnel's steps with step and overall conversion. */
export function funnelSteps(funnel: { steps: string[]; reached: number[] }): FunnelStep[] {
  return funnel.steps.map((step, i) => ({
    step,
    reached: funnel.reached[i] ?? 0,
    fromPrevious: i === 0 ? null : perMille(funnel.reached[i] ?? 0, funnel.reached[i - 1] ?? 0),
    fromFirst: perMille(funnel.reached[i] ?? 0, funnel.reached[0] ?? 0),
  }));
}

/**
 * Average retention by week offset: for each k ≥ 1, persons active in week
 * c + k summed over the cohorts that have reached week k, out of those
 * cohorts' sizes (per-mille; `null` when no cohort reached k).
 */
export function retentionCurve(retention: RetentionKpis, weeks: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let k = 1; k <= weeks; k++) {
    let active = 0;
    let size = 0;
    for (const c of retention.cohorts) {
      if (c.active.length > k) {
        active += c.active[k];
        size += c.active[0];
      }
    }
    out.push(perMille(active, size));
  }
  return out;
}

/** Heat class 0–9 of a per-mille share. */
function heat(pm: number): string {
  return `heat-${Math.min(9, Math.max(0, Math.floor(pm / 100)))}`;
}

function Heatmap(props: { retention: RetentionKpis }) {
  const cohorts = props.retention.cohorts.slice(-HEATMAP_COHORTS).reverse();
  if (cohorts.length === 0) return <p class="empty">No cohorts yet.</p>;
  const weeks = Math.min(
    HEATMAP_WEEKS,
    Math.max(...cohorts.map((c) => c.active.length)) - 1,
  );
  return (
    <div class="table-wrap">
      <table class="heatmap" data-table="retention">
        <caption>
          Share of each weekly cohort (first event in that ISO week) active k weeks later
        </caption>
        <thead>
          <tr>
            <th scope="col">Cohort</th>
            <th scope="col" class="num">Persons</th>
            {Array.from(
              { length: weeks },
              (_, i) => <th key={i} scope="col" class="num">+{i + 1}w</th>,
            )}
          </tr>
        </thead>
        <tbody>
          {cohorts.map((c) => (
            <tr data-cohort={c.cohort}>
              <th scope="row">{c.cohort}</th>
              <td class="num" data-value={String(c.active[0])}>{formatCount(c.active[0])}</td>
              {Array.from({ length: weeks }, (_, i) => {
                const k = i + 1;
                if (k >= c.active.length) return <td key={k} />;
                const pm = perMille(c.active[k], c.active[0]) ?? 0;
                return (
                  <td
                    key={k}
                    class={`num ${heat(pm)}`}
                    data-value={String(c.active[k])}
                    title={`${formatCount(c.active[k])} of ${formatCount(c.active[0])}`}
                  >
                    {formatPerMille(pm)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Loads and renders the customers page. */
export async function loadCustomers(ctx: PageContext): Promise<PageView> {
  const today = dayOf(ctx.now);
  const period = parsePeriod(ctx.url.searchParams, {
    today,
    kinds: CUSTOMERS_KINDS,
    fallback: "month",
  });
  const [events, orders, retention] = await Promise.all([
    readEventKpis(ctx.kv, period.bucket!),
    readOrderKpis(ctx.kv, period.bucket!),
    readRetention(ctx.kv),
  ]);
  const steps = funnelSteps(events.funnel);
  const curve = retentionCurve(retention, HEATMAP_WEEKS);
  const reachedWeeks = curve.findLastIndex((v) => v !== null) + 1;
  return {
    title: "Customers",
    tools: (
      <PeriodPicker period={period} kinds={CUSTOMERS_KINDS} action="/customers" today={today} />
    ),
    body: (
      <>
        <div class="kpis">
          <Kpi id="persons" label="Persons" value={events.persons} unit="count" />
          <Kpi id="customers" label="Customers who ordered" value={orders.customers} unit="count" />
          <Kpi
            id="repeat-rate"
            label="Repeat-purchase rate"
            value={perMille(orders.repeat_customers, orders.customers)}
            unit="percent"
            note={`${formatCount(orders.repeat_customers)} with 2+ orders`}
          />
          <Kpi
            id="cart-abandonment"
            label="Cart abandonment"
            value={perMille(events.cart_abandoned_persons, events.cart_persons)}
            unit="percent"
            note={`${formatCount(events.cart_abandoned_persons)} of ${
              formatCount(events.cart_persons)
            } carts`}
          />
        </div>
        <Card
          title="Funnel"
          note={<>persons who did every step up to this one in {period.label}</>}
        >
          <BarTable
            id="funnel"
            rows={steps}
            labelHeader="Step"
            label={(s) => s.step}
            bar={(s) => s.reached}
            barHeader="Persons"
            barUnit="count"
            columns={[
              {
                header: "From previous step",
                value: (s) => (s.fromPrevious === null ? "—" : formatPerMille(s.fromPrevious)),
              },
              {
                header: "From first step",
                value: (s) => (s.fromFirst === null ? "—" : formatPerMille(s.fromFirst)),
              },
            ]}
            empty="No funnel events in this period."
          />
          <p class="muted small">
            Overall conversion {formatRatio(steps[3]?.reached ?? 0, steps[0]?.reached ?? 0)}.
          </p>
        </Card>
        <Card title="Retention by weekly cohort" note="all time">
          <Heatmap retention={retention} />
        </Card>
        {reachedWeeks > 0 && (
          <ChartFigure
            id="retention-curve"
            title="Average retention curve"
            subtitle="share of cohorts active k weeks after their first"
            labelHeader="Weeks after first"
            labels={Array.from({ length: reachedWeeks }, (_, i) => `+${i + 1}w`)}
            unit="percent"
            series={[{ name: "All cohorts", values: curve.slice(0, reachedWeeks), tone: 5 }]}
          />
        )}
      </>
    ),
  };
}
